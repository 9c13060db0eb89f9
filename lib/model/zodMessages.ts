/**
 * zod/mini carries no words of its own: every failed check says "Invalid input". The contexts that
 * show zod's messages to people (the worker's answers about PostHog's drifted shapes, the options'
 * fields, a settings file's import, the organisation's policy; the CLI) import this once for
 * English. The content script and the card never do: they carry no zod at all.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
