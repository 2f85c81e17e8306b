// A list of projects paged in both directions (`usePaginationFragment`'s
// loadNext and loadPrevious): `@connection` on the root `projects` field,
// with first/after and last/before, and the filter, order, locale and
// preview arguments as part of the connection's key.
import { graphql } from 'relay-runtime';

export const projectListFragment = graphql`
  fragment ProjectList_query on Query
  @refetchable(queryName: "ProjectListPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
    filter: { type: "ProjectFilter" }
    orderBy: { type: "[ProjectOrder!]", defaultValue: [{ field: TITLE, direction: ASC }] }
    locale: { type: "String" }
    preview: { type: "Boolean", defaultValue: false }
  ) {
    projects(
      first: $first
      after: $after
      last: $last
      before: $before
      filter: $filter
      orderBy: $orderBy
      locale: $locale
      preview: $preview
    ) @connection(key: "ProjectList_projects", filters: ["filter", "orderBy", "locale", "preview"]) {
      totalCount
      edges {
        cursor
        node {
          id
          ...ProjectTitle_project @arguments(locale: $locale)
        }
      }
    }
  }
`;

export const projectListQuery = graphql`
  query ProjectListQuery($first: Int, $last: Int, $locale: String) {
    ...ProjectList_query @arguments(first: $first, last: $last, locale: $locale)
  }
`;
