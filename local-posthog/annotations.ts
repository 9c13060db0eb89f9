/**
 * Annotations for the local PostHog server: the project's notes on its timeline (a deploy, an
 * incident), as PostHog's REST API serves them — posthog/api/annotation.py (AnnotationSerializer's
 * fields; AnnotationsViewSet: list newest first by date_marker, deleted ones never listed, `scope`
 * checked (400 "Invalid scope", "insight" read as "dashboard_item"), `date_from`/`date_to` on
 * date_marker, `search` in the content, LimitOffset pages of 1000 by default) — with scope object
 * "annotation" (annotation:read to list, annotation:write to create).
 */
import { ApiError } from './dashboards.js';
import { limitOffsetPage } from './pagination.js';

/** AnnotationsLimitOffsetPagination.default_limit (posthog/api/annotation.py). */
const ANNOTATIONS_PAGE = 1000;

type Json = Record<string, unknown>;

export interface Annotation {
  id: number;
  content: string;
  date_marker: string;
  creation_type: 'USR' | 'GIT';
  dashboard_item: null;
  dashboard_id: null;
  dashboard_name: null;
  insight_short_id: null;
  insight_name: null;
  insight_derived_name: null;
  created_by: unknown;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  scope: 'project' | 'organization' | 'dashboard_item' | 'dashboard' | 'recording';
  recording_id: null;
  is_emoji: boolean;
  tagged_users: string[];
}

const SCOPES = ['project', 'organization', 'dashboard_item', 'dashboard', 'recording'] as const;

export class AnnotationApi {
  private readonly items: Annotation[] = [];
  private nextId = 1;
  constructor(private readonly user: () => unknown) {}

  static handles(rest: string[]): boolean {
    return rest[0] === 'annotations' && rest.length <= 2;
  }

  create(fields: { content: string; date_marker: string; scope?: Annotation['scope'] }): Annotation {
    const now = new Date().toISOString();
    const a: Annotation = {
      id: this.nextId++,
      content: fields.content,
      date_marker: fields.date_marker,
      creation_type: 'USR',
      dashboard_item: null,
      dashboard_id: null,
      dashboard_name: null,
      insight_short_id: null,
      insight_name: null,
      insight_derived_name: null,
      created_by: this.user(),
      created_at: now,
      updated_at: now,
      deleted: false,
      scope: fields.scope ?? 'project',
      recording_id: null,
      is_emoji: false,
      tagged_users: [],
    };
    this.items.push(a);
    return a;
  }

  /** The demo's own: a deploy and an incident in the seeded weeks, so the card has marks to show. */
  seed(): void {
    const day = 86_400_000;
    this.create({ content: 'Deployed OCR engine v2 (pdf-to-text, news-analyzer)', date_marker: new Date(Date.now() - 3 * day).toISOString() });
    this.create({ content: 'Upstream storage incident: uploads slow for 2 h', date_marker: new Date(Date.now() - 9 * day).toISOString() });
  }

  /** `requestUrl`: the request's absolute URL; its filters stay in the pages' next and previous. */
  route(rest: string[], method: string, requestUrl: URL, body: Json | null): () => unknown {
    const params = requestUrl.searchParams;
    const [, id] = rest;
    const notAllowed = () => {
      throw new ApiError(405, 'invalid_request', 'method_not_allowed', `Method "${method}" not allowed.`);
    };
    if (id !== undefined) {
      if (method !== 'GET') return notAllowed;
      return () => {
        const found = this.items.find((a) => String(a.id) === id);
        if (!found) throw new ApiError(404, 'invalid_request', 'not_found', 'Not found.');
        return found;
      };
    }
    if (method === 'POST') {
      return () => {
        const content = body?.content;
        const marker = body?.date_marker;
        if (typeof content !== 'string' || !content) throw new ApiError(400, 'validation_error', 'required', 'This field is required.', 'content');
        if (typeof marker !== 'string' || Number.isNaN(Date.parse(marker)))
          throw new ApiError(400, 'validation_error', 'invalid', 'Datetime has wrong format.', 'date_marker');
        const scope = (SCOPES as readonly string[]).includes(String(body?.scope)) ? (body!.scope as Annotation['scope']) : 'project';
        return this.create({ content, date_marker: new Date(marker).toISOString(), scope });
      };
    }
    if (method !== 'GET') return notAllowed;
    return () => {
      let list = this.items.filter((a) => !a.deleted);
      const scope = params.get('scope');
      if (scope) {
        const wanted = scope === 'insight' ? 'dashboard_item' : scope;
        if (!(SCOPES as readonly string[]).includes(wanted)) throw new ApiError(400, 'validation_error', 'invalid_input', `Invalid scope: ${scope}`);
        list = list.filter((a) => a.scope === wanted);
      }
      const bound = (name: 'date_from' | 'date_to') => {
        const raw = params.get(name);
        if (!raw) return null;
        const at = Date.parse(raw);
        if (Number.isNaN(at)) throw new ApiError(400, 'validation_error', 'invalid_input', `Invalid date range: ${name} must be a valid ISO 8601 date`);
        return at;
      };
      const [from, to] = [bound('date_from'), bound('date_to')];
      if (from !== null && to !== null && from > to)
        throw new ApiError(400, 'validation_error', 'invalid_input', 'Invalid date range: date_from must be before date_to');
      if (from !== null) list = list.filter((a) => Date.parse(a.date_marker) >= from);
      if (to !== null) list = list.filter((a) => Date.parse(a.date_marker) <= to);
      const search = params.get('search')?.toLowerCase();
      if (search) list = list.filter((a) => a.content.toLowerCase().includes(search));
      list.sort((a, b) => Date.parse(b.date_marker) - Date.parse(a.date_marker));
      return limitOffsetPage(list, requestUrl, ANNOTATIONS_PAGE);
    };
  }
}
