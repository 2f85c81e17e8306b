// A project's title, refetchable in another locale. `@refetchable` on a
// fragment of a Node type makes Relay generate
// `node(id: $id) { ...ProjectTitle_project @arguments(locale: $locale) }`,
// which Relais answers as Relay's Global Object Identification asks:
// `node` takes the id alone, and the locale rides on each field.
// Writing `title(locale: $locale)` (not a root `locale:`) is what keeps the
// French and the Arabic title apart in Relay's store.
import { graphql } from 'relay-runtime';

export const projectTitleFragment = graphql`
  fragment ProjectTitle_project on Project
  @refetchable(queryName: "ProjectTitleRefetchQuery")
  @argumentDefinitions(locale: { type: "String" }) {
    id
    slug
    title(locale: $locale)
    summary(locale: $locale)
    titleLocalized(locale: $locale) {
      value
      locale
      direction
      isFallback
    }
  }
`;

// A page that starts from a slug and spreads the fragment in one locale.
export const projectTitleQuery = graphql`
  query ProjectTitleQuery($slug: String!, $locale: String) {
    project(slug: $slug) {
      ...ProjectTitle_project @arguments(locale: $locale)
    }
  }
`;

// The same, from a global id, through `node(id:)` (`@alias`: the node may
// be of another type, and Relay then gives null).
export const projectTitleNodeQuery = graphql`
  query ProjectTitleNodeQuery($id: ID!, $locale: String) {
    node(id: $id) {
      ...ProjectTitle_project @alias @arguments(locale: $locale)
    }
  }
`;

// Live updates: the event's `node` spreads the same fragment, so Relay
// updates the record it already holds.
export const projectTitleSubscription = graphql`
  subscription ProjectTitleSubscription($locale: String) {
    contentChanged(types: [PROJECT]) {
      kind
      typeName
      itemId
      node {
        ...ProjectTitle_project @alias @arguments(locale: $locale)
      }
    }
  }
`;
