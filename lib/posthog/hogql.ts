/** A HogQL query as PostHog's query API takes it: the text, and the values its placeholders name. */
export interface HogQLRequest {
  query: string;
  values: Record<string, string | number>;
}
