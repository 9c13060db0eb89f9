/**
 * Annotations for the local PostHog server: the project's notes on its timeline (a deploy, an
 * incident), as PostHog's REST API serves them — posthog/api/annotation.py (AnnotationSerializer's
 * fields; list filters after/before on created_at, scope, deleted, order; LimitOffset pages) — with
 * scope object "annotation" (annotation:read to list, annotation:write to create).
 */
import { ApiError } from './dashboards.js';

type Json = Record<string, unknown>;

export interface Annotation {
  id: number;
  content: string;
  date_marker: string;
  creation_type: 'USR' | 'GIT';
  dashboard_item: null;
  dashboard_id: null;
  created_by: unknown;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  scope: 'project' | 'organization' | 'dashboard_item' | 'dashboard' | 'recording';
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
    const a: Annotation = { id: this.nextId++, content: fields.content, date_marker: fields.date_marker, creation_type: 'USR', dashboard_item: null, dashboard_id: null, created_by: this.user(), created_at: now, updated_at: now, deleted: false, scope: fields.scope ?? 'project' };
    this.items.push(a);
    return a;
  }

  /** The demo's own: a deploy and an incident in the seeded weeks, so the card has marks to show. */
  seed(): void {
    const day = 86_400_000;
    this.create({ content: 'Deployed OCR engine v2 (pdf-to-text, news-analyzer)', date_marker: new Date(Date.now() - 3 * day).toISOString() });
    this.create({ content: 'Upstream storage incident: uploads slow for 2 h', date_marker: new Date(Date.now() - 9 * day).toISOString() });
  }

  route(rest: string[], method: string, params: URLSearchParams, body: Json | null): () => unknown {
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
        if (typeof marker !== 'string' || Number.isNaN(Date.parse(marker))) throw new ApiError(400, 'validation_error', 'invalid', 'Datetime has wrong format.', 'date_marker');
        const scope = (SCOPES as readonly string[]).includes(String(body?.scope)) ? (body!.scope as Annotation['scope']) : 'project';
        return this.create({ content, date_marker: new Date(marker).toISOString(), scope });
      };
    }
    if (method !== 'GET') return notAllowed;
    return () => {
      let list = [...this.items];
      for (const [key, value] of params) {
        if (key === 'after') list = list.filter((a) => a.created_at > value);
        else if (key === 'before') list = list.filter((a) => a.created_at < value);
        else if (key === 'scope') list = list.filter((a) => a.scope === value);
        else if (key === 'deleted') list = list.filter((a) => a.deleted === ['true', '1', 'yes'].includes(value.toLowerCase()));
      }
      const order = params.get('order');
      if (order) {
        const field = order.replace(/^-/, '') as keyof Annotation;
        list.sort((a, b) => String(a[field]).localeCompare(String(b[field])) * (order.startsWith('-') ? -1 : 1));
      }
      const limit = Math.min(Number(params.get('limit') ?? 100) || 100, 1000);
      const offset = Number(params.get('offset') ?? 0) || 0;
      return { count: list.length, next: null, previous: null, results: list.slice(offset, offset + limit) };
    };
  }
}
