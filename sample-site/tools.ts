/** The sample product: a handful of tools, as the demo's "customer site". */
export const SAMPLE_TOOLS = [
  { slug: 'news-analyzer', title: 'News Analyzer', blurb: 'Summarise and classify news articles.', accept: '.html,.txt,.pdf', formats: ['json', 'csv'] },
  { slug: 'pdf-to-text', title: 'PDF to Text', blurb: 'Extract clean text from PDF files.', accept: '.pdf', formats: ['txt', 'docx'] },
  { slug: 'image-compressor', title: 'Image Compressor', blurb: 'Shrink PNG and JPEG images.', accept: 'image/*', formats: ['png', 'jpg', 'webp'] },
  { slug: 'audio-transcriber', title: 'Audio Transcriber', blurb: 'Turn recordings into text.', accept: 'audio/*', formats: ['txt', 'srt'] },
  { slug: 'csv-cleaner', title: 'CSV Cleaner', blurb: 'Fix encodings, dedupe rows, normalise columns.', accept: '.csv', formats: ['csv', 'xlsx'] },
  { slug: 'video-summarizer', title: 'Video Summarizer', blurb: 'Key moments from long videos.', accept: 'video/*', formats: ['txt', 'json'] },
] as const;

export type SampleTool = (typeof SAMPLE_TOOLS)[number];

export const ERROR_TYPES = ['timeout', 'file_too_large', 'unsupported_format', 'ocr_failed', 'rate_limited', 'internal_error'] as const;
