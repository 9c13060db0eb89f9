/** Options: the sites Tool Lens runs on, their tool rules, and a live "test a URL" box. */
import { useState } from 'preact/hooks';
import { compileRule, newSite, originOf, resolveTool, type AutoMap, type Site, type UrlRule } from '../../lib/matching/toolMatch';
import { siteSchema } from '../../lib/matching/siteSchema';

export interface SitesEditorProps {
  sites: Site[];
  autoMap: AutoMap | null;
  onChange: (sites: Site[]) => Promise<string | null>;
  onRefreshAutoMap: () => Promise<string>;
}

/** Rules as text, one per line: `/tools/:tool`, `regex:^/app/(?<tool>[^/]+)`, optional ` => a=b, c=d` mapping. */
export function rulesToText(rules: UrlRule[]): string {
  return rules
    .map(
      (r) =>
        `${r.kind === 'regex' ? 'regex:' : ''}${r.value}${
          Object.keys(r.map).length
            ? ` => ${Object.entries(r.map)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}`
            : ''
        }`,
    )
    .join('\n');
}

export function textToRules(text: string): { rules: UrlRule[]; errors: string[] } {
  const rules: UrlRule[] = [];
  const errors: string[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const [rulePart = '', mapPart] = trimmed.split(/\s+=>\s+/, 2);
    const regex = rulePart.startsWith('regex:');
    const rule: UrlRule = { kind: regex ? 'regex' : 'pattern', value: regex ? rulePart.slice(6) : rulePart, map: {} };
    for (const pair of (mapPart ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [from, to] = pair.split('=').map((s) => s.trim());
      if (!from || !to) errors.push(`line ${i + 1}: a mapping is written value=tool`);
      else rule.map[from] = to;
    }
    const compiled = compileRule(rule);
    if (typeof compiled === 'string') errors.push(`line ${i + 1}: ${compiled}`);
    else rules.push(rule);
  });
  return { rules, errors };
}

export function SitesEditor({ sites, autoMap, onChange, onRefreshAutoMap }: SitesEditorProps) {
  const [newOrigin, setNewOrigin] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [testUrl, setTestUrl] = useState('');

  async function add() {
    const origin = originOf(newOrigin.trim()) ?? originOf(`https://${newOrigin.trim()}`);
    if (!origin || !siteSchema.safeParse(newSite(origin)).success) return setMessage('Enter a site like https://tools.example.com');
    if (sites.some((s) => s.origin === origin)) return setMessage(`${origin} is already on the list`);
    const problem = await onChange([...sites, newSite(origin)]);
    setMessage(problem ?? `Enabled on ${origin}.`);
    if (!problem) setNewOrigin('');
  }

  const testSite = originOf(testUrl) ? (sites.find((s) => s.origin === originOf(testUrl)) ?? null) : null;
  const testResult = testUrl ? resolveTool({ url: testUrl, marker: null, site: testSite, autoMap }) : null;

  return (
    <fieldset data-testid="sites">
      <legend>Sites</legend>
      <p class="help">Tool Lens runs only on these sites; each is asked for permission when added and given back when removed.</p>
      {sites.length === 0 && <p class="muted">No sites yet: add one here, or use “Enable on this site” in the toolbar popup.</p>}
      {sites.map((site, index) => (
        <SiteRow
          key={site.origin}
          site={site}
          onChange={async (next) => {
            const problem = await onChange(sites.map((s, i) => (i === index ? next : s)));
            setMessage(problem);
            return problem;
          }}
          onRemove={() => onChange(sites.filter((_, i) => i !== index)).then((problem) => setMessage(problem ?? `Removed ${site.origin}.`))}
        />
      ))}
      <div class="key-row">
        <input
          aria-label="Site to enable"
          placeholder="https://tools.example.com"
          value={newOrigin}
          onInput={(e) => setNewOrigin((e.currentTarget as HTMLInputElement).value)}
        />
        <button type="button" onClick={() => void add()}>
          Add site
        </button>
      </div>
      {message && (
        <p role="status" class="help" data-testid="sites-status">
          {message}
        </p>
      )}
      <div class="key-row">
        <span class="help" data-testid="auto-map-size">
          Auto-mapping knows {autoMap ? Object.keys(autoMap).length : 0} page paths from tool_viewed events.
        </span>
        <button type="button" onClick={() => void onRefreshAutoMap().then(setMessage)}>
          Refresh auto-mapping
        </button>
      </div>
      <label for="test-url">Test a URL</label>
      <input
        id="test-url"
        placeholder="https://tools.example.com/tools/pdf-to-text?x=1"
        value={testUrl}
        onInput={(e) => setTestUrl((e.currentTarget as HTMLInputElement).value)}
      />
      {testUrl && (
        <p role="status" data-testid="test-url-result">
          {!originOf(testUrl)
            ? 'Not a web page URL.'
            : !testSite
              ? `Tool Lens is not enabled on ${originOf(testUrl)}.`
              : testResult
                ? `→ ${testResult.tool}, found by ${testResult.detail}.`
                : 'No tool: no URL rule or auto-mapped path matches (a page marker could still name it).'}
        </p>
      )}
    </fieldset>
  );
}

function SiteRow({ site, onChange, onRemove }: { site: Site; onChange: (site: Site) => Promise<string | null>; onRemove: () => void }) {
  const [rulesText, setRulesText] = useState(rulesToText(site.urlRules));
  const [errors, setErrors] = useState<string[]>([]);
  const id = site.origin.replace(/[^a-z0-9]/gi, '-');
  return (
    <div class="site" data-testid="site-row" data-origin={site.origin}>
      <div class="site-head">
        <strong>{site.origin}</strong>
        <button type="button" class="link" onClick={onRemove} aria-label={`Remove ${site.origin}`}>
          Remove
        </button>
      </div>
      <label class="inline">
        <input type="checkbox" checked={site.autoMap} onChange={(e) => void onChange({ ...site, autoMap: (e.currentTarget as HTMLInputElement).checked })} />{' '}
        Auto-map pages to tools from the data
      </label>
      <label for={`rules-${id}`}>URL rules (one per line; first match wins)</label>
      <textarea
        id={`rules-${id}`}
        rows={2}
        placeholder={'/tools/:tool\n/app/:tool/* => pdf2txt=pdf-to-text\nregex:^/t/(?<tool>[a-z-]+)$'}
        value={rulesText}
        onInput={(e) => setRulesText((e.currentTarget as HTMLTextAreaElement).value)}
        onBlur={() => {
          const { rules, errors: problems } = textToRules(rulesText);
          setErrors(problems);
          if (!problems.length) void onChange({ ...site, urlRules: rules });
        }}
      />
      {errors.map((e) => (
        <p class="field-error" role="alert" key={e}>
          {e}
        </p>
      ))}
      <div class="grid">
        <label for={`marker-${id}`}>Marker selector (optional)</label>
        <input
          id={`marker-${id}`}
          placeholder="[data-tool]"
          value={site.marker?.selector ?? ''}
          onChange={(e) => {
            const selector = (e.currentTarget as HTMLInputElement).value.trim();
            try {
              if (selector) document.createDocumentFragment().querySelector(selector);
            } catch {
              setErrors([`"${selector}" is not a valid CSS selector`]);
              return;
            }
            setErrors([]);
            void onChange({ ...site, marker: selector ? { selector, attribute: site.marker?.attribute ?? '' } : null });
          }}
        />
        <label for={`attr-${id}`}>…its attribute (empty: its text)</label>
        <input
          id={`attr-${id}`}
          placeholder="data-tool"
          disabled={!site.marker}
          value={site.marker?.attribute ?? ''}
          onChange={(e) => site.marker && void onChange({ ...site, marker: { ...site.marker, attribute: (e.currentTarget as HTMLInputElement).value.trim() } })}
        />
        <label for={`project-${id}`}>Project id (empty: the connection's)</label>
        <input
          id={`project-${id}`}
          inputMode="numeric"
          placeholder="the connection's"
          value={site.project ?? ''}
          onChange={(e) => {
            // A staging site may show the staging project, with the same key or sign-in.
            const project = (e.currentTarget as HTMLInputElement).value.trim();
            if (project && !/^\d{1,12}$/.test(project)) return setErrors(['A project id is a number, e.g. 12345']);
            setErrors([]);
            const { project: _old, ...rest } = site;
            void onChange(project ? { ...rest, project } : rest);
          }}
        />
      </div>
    </div>
  );
}
