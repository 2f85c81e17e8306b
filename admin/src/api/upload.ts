// Uploads per the GraphQL multipart request spec, with progress (XMLHttpRequest reports it, fetch does not).
import { readAnswer } from './client';

/** Sends `query` with `file` at `variables[fileVar]`; onProgress gets 0…1. */
export function upload<T>(query: string, variables: Record<string, unknown>, fileVar: string, file: File, onProgress: (p: number) => void): Promise<T> {
  const body = new FormData();
  body.append('operations', JSON.stringify({ query, variables: { ...variables, [fileVar]: null } }));
  body.append('map', JSON.stringify({ 0: [`variables.${fileVar}`] }));
  body.append('0', file, file.name);
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    // Same origin: the browser sends the HttpOnly session cookie by itself.
    xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      try {
        resolve(readAnswer<T>(xhr.status, xhr.responseText));
      } catch (e) {
        reject(e);
      }
    };
    xhr.onerror = () => {
      try {
        readAnswer(0, '');
      } catch (e) {
        reject(e);
      }
    };
    xhr.send(body);
  });
}
