import { render } from 'preact';
import { CardContainer } from '../../components/CardContainer';
import '../../components/card.css';
import { sendRequest } from '../../lib/messaging';
import { matchTool, TOOL_MARKER_NAME } from '../../lib/toolMatch';

export default defineContentScript({
  // Walking skeleton: the sample site on this machine. Per-site permissions come with site enabling.
  matches: ['http://localhost/*', 'http://127.0.0.1/*'],
  cssInjectionMode: 'ui',
  runAt: 'document_idle',
  async main(ctx) {
    const marker = document.querySelector(`meta[name="${TOOL_MARKER_NAME}"]`)?.getAttribute('content');
    const match = matchTool(location.href, marker);
    if (!match) return; // not a tool page: no messaging, no DOM work

    const ui = await createShadowRootUi(ctx, {
      name: 'tool-lens-card',
      position: 'inline',
      anchor: 'body',
      mode: 'open',
      onMount(container) {
        const root = document.createElement('div');
        root.className = 'tl-root';
        container.append(root);
        render(
          <CardContainer
            tool={match.tool}
            matchedBy={match.rule}
            loadMetrics={(range, refresh) => sendRequest({ type: 'tool-metrics/get', tool: match.tool, range, refresh })}
            openOptions={() => void sendRequest({ type: 'options/open' })}
          />,
          root,
        );
        return root;
      },
      onRemove(root) {
        if (root) render(null, root);
      },
    });
    ui.mount();
  },
});
