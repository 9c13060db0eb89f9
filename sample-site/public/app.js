// The sample product: a single-page app whose tool pages send the six tool events with posthog-js,
// as a real product would instrument them.
(function () {
  const config = JSON.parse(document.getElementById('site-config').textContent);
  const view = document.getElementById('view');
  posthog.init(config.projectApiKey, {
    api_host: config.postHogUrl,
    autocapture: false,
    capture_pageview: false,
    capture_pageleave: false,
    disable_session_recording: true,
    disable_surveys: true,
    persistence: 'memory',
    request_batching: false,
    // The demo and tests drive this page with headless Chromium, which posthog-js would drop as a bot.
    opt_out_useragent_filter: true,
  });
  const sessionId = posthog.get_session_id();

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else if (value !== false && value !== undefined) node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) node.append(child);
    return node;
  };

  function setMarker(tool) {
    document.querySelector('meta[name="tool-lens:tool"]')?.remove();
    // The PDF tool carries a page marker, as a product with unusual URLs would.
    if (tool && tool.slug === 'pdf-to-text') document.head.append(el('meta', { name: 'tool-lens:tool', content: tool.slug }));
  }

  function render() {
    const path = location.pathname.replace(/\/+$/, '') || '/';
    const slug = (/^\/tools\/([^/]+)$/.exec(path) || [])[1];
    const tool = config.tools.find((t) => t.slug === slug);
    setMarker(tool);
    view.replaceChildren();
    if (tool) return renderTool(tool);
    if (path === '/') {
      document.title = 'Tools · Toolbox';
      view.append(
        el('h1', {}, 'Toolbox'),
        el('p', {}, 'Small tools that do one thing well.'),
        el(
          'ul',
          { class: 'cards' },
          config.tools.map((t) => el('li', {}, el('a', { href: `/tools/${t.slug}`, 'data-link': true }, el('strong', {}, t.title), el('span', {}, t.blurb)))),
        ),
      );
    } else if (path === '/about') {
      document.title = 'About · Toolbox';
      view.append(el('h1', {}, 'About'), el('p', {}, 'Not a tool page: Tool Lens shows nothing here.'));
    } else {
      document.title = 'Not found · Toolbox';
      view.append(el('h1', {}, 'Not found'));
    }
  }

  function renderTool(tool) {
    document.title = `${tool.title} · Toolbox`;
    let jobId = null;
    const status = el('p', { id: 'status', role: 'status' }, 'Ready.');
    const log = el('ol', { id: 'log', class: 'log' });
    const send = (event, properties) => {
      posthog.capture(event, Object.assign({ tool_name: tool.slug, session_id: sessionId }, properties));
      log.prepend(el('li', {}, `${event} ${JSON.stringify(properties)}`));
    };
    const process = el('button', { id: 'process', disabled: true }, '2. Process');
    const download = el('button', { id: 'download', disabled: true }, 'Download');
    const fail = el('input', { type: 'checkbox', id: 'fail' });
    const errorType = el(
      'select',
      { id: 'error-type' },
      config.errorTypes.map((e) => el('option', {}, e)),
    );
    const format = el(
      'select',
      { id: 'format' },
      tool.formats.map((f) => el('option', {}, f)),
    );
    const chosen = (name, size) => {
      send('tool_upload_started', { file_type: (name.split('.').pop() || 'bin').toLowerCase(), file_size: size });
      process.disabled = false;
      status.textContent = `Uploaded ${name} (${Math.round(size / 1024)} KB).`;
    };
    const file = el('input', {
      type: 'file',
      id: 'file',
      accept: tool.accept,
      onchange: (e) => e.target.files[0] && chosen(e.target.files[0].name, e.target.files[0].size),
    });
    process.addEventListener('click', () => {
      jobId = crypto.randomUUID();
      const fromCache = Math.random() < 0.2;
      send('tool_processing_started', { job_id: jobId, from_cache: fromCache });
      process.disabled = true;
      status.textContent = 'Processing…';
      const started = performance.now();
      setTimeout(
        () => {
          const duration = Math.round(performance.now() - started);
          if (fail.checked) {
            send('tool_processing_failed', { job_id: jobId, error_type: errorType.value, processing_duration_ms: duration });
            status.textContent = 'Processing failed.';
            process.disabled = false;
          } else {
            send('tool_processing_completed', { job_id: jobId, processing_duration_ms: duration, from_cache: fromCache });
            status.textContent = `Done in ${duration} ms.`;
            download.disabled = false;
          }
        },
        fromCache ? 80 : 300 + Math.random() * 700,
      );
    });
    download.addEventListener('click', () => {
      send('tool_result_downloaded', { job_id: jobId, download_format: format.value });
      status.textContent = 'Downloaded.';
    });
    view.append(
      el('h1', {}, tool.title),
      el('p', { class: 'blurb' }, tool.blurb),
      el(
        'section',
        { class: 'panel' },
        el('label', {}, '1. Choose a file ', file),
        el('button', { id: 'sample', onclick: () => chosen(`sample.${format.value || 'txt'}`, 48213) }, '…or use a sample file'),
        el('label', { class: 'inline' }, fail, ' Make processing fail with ', errorType),
        process,
        el('label', {}, '3. Download as ', format),
        download,
        status,
      ),
      el('h2', {}, 'Events sent to PostHog'),
      log,
    );
    send('tool_viewed', { page_path: location.pathname, is_authenticated: false });
  }

  // Client-side navigation: links marked data-link change the URL with pushState and render in place.
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[data-link]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    if (link.pathname !== location.pathname) history.pushState({}, '', link.pathname);
    render();
  });
  window.addEventListener('popstate', render);
  render();
})();
