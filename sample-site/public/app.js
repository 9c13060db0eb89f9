// The sample tool page's own analytics, as a real product would write it with posthog-js.
(function () {
  const config = JSON.parse(document.getElementById('tool-config').textContent);
  const $ = (id) => document.getElementById(id);
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
  let upload = null;
  let jobId = null;

  function send(event, properties) {
    const all = Object.assign({ tool_name: config.tool, session_id: sessionId }, properties);
    posthog.capture(event, all);
    const item = document.createElement('li');
    item.textContent = `${event} ${JSON.stringify(properties)}`;
    $('log').prepend(item);
  }
  const status = (text) => ($('status').textContent = text);

  send('tool_viewed', { page_path: location.pathname, is_authenticated: false });

  function chosen(name, size) {
    upload = { file_type: (name.split('.').pop() || 'bin').toLowerCase(), file_size: size };
    send('tool_upload_started', upload);
    $('process').disabled = false;
    status(`Uploaded ${name} (${Math.round(size / 1024)} KB).`);
  }
  $('file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) chosen(file.name, file.size);
  });
  $('sample').addEventListener('click', () => chosen('sample.' + ($('format').value || 'txt'), 48213));

  $('process').addEventListener('click', () => {
    jobId = crypto.randomUUID();
    const fromCache = Math.random() < 0.2;
    send('tool_processing_started', { job_id: jobId, from_cache: fromCache });
    $('process').disabled = true;
    status('Processing…');
    const started = performance.now();
    setTimeout(() => {
      const duration = Math.round(performance.now() - started);
      if ($('fail').checked) {
        send('tool_processing_failed', { job_id: jobId, error_type: $('error-type').value, processing_duration_ms: duration });
        status('Processing failed.');
        $('process').disabled = false;
      } else {
        send('tool_processing_completed', { job_id: jobId, processing_duration_ms: duration, from_cache: fromCache });
        status(`Done in ${duration} ms.`);
        $('download').disabled = false;
      }
    }, fromCache ? 80 : 300 + Math.random() * 700);
  });

  $('download').addEventListener('click', () => {
    send('tool_result_downloaded', { job_id: jobId, download_format: $('format').value });
    status('Downloaded.');
  });
})();
