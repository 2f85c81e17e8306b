// The audit log (admins), newest first, paged with `@connection` both ways
// like any other list.
import { graphql } from 'relay-runtime';

export const auditLogFragment = graphql`
  fragment AuditLog_query on Query
  @refetchable(queryName: "AuditLogPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 50 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
    filter: { type: "AuditFilter" }
  ) {
    auditLog(first: $first, after: $after, last: $last, before: $before, filter: $filter)
      @connection(key: "AuditLog_auditLog", filters: ["filter"]) {
      totalCount
      edges {
        cursor
        node {
          id
          at
          action
          actorEmail
          itemType
          itemId
        }
      }
    }
  }
`;

export const auditLogQuery = graphql`
  query AuditLogQuery($first: Int) {
    ...AuditLog_query @arguments(first: $first)
  }
`;
