import { describe, expect, it } from 'vitest';
import { looksLikeEmail, resolveMatch, valueFromSelection, valueProblem } from './selection';

describe('what a selection on a ticket is looked up by', () => {
  it('finds the email in a selected sentence, quotes and brackets around it dropped', () => {
    expect(valueFromSelection('Customer <Ada.Lovelace@Example.com> says the PDF failed.')).toEqual({ value: 'Ada.Lovelace@Example.com', by: 'auto' });
    expect(valueFromSelection('  "grace@example.org".\n')).toEqual({ value: 'grace@example.org', by: 'auto' });
  });

  it('takes one selected word as it is, without the punctuation a selection picks up', () => {
    expect(valueFromSelection('0190e4c2-6f1a-7c3b-9d2e-1234567890ab,')).toEqual({ value: '0190e4c2-6f1a-7c3b-9d2e-1234567890ab', by: 'auto' });
    expect(valueFromSelection('(case-17-a)')).toEqual({ value: 'case-17-a', by: 'auto' });
  });

  it('picks the most id-like word of a longer selection, or keeps the text for the field when none is', () => {
    expect(valueFromSelection('Session: sess-ada-1 at 14:05')).toEqual({ value: 'sess-ada-1', by: 'auto' });
    expect(valueFromSelection('job id job_9f8e7d failed')).toEqual({ value: 'job_9f8e7d', by: 'auto' });
    expect(valueFromSelection('it does not work')).toEqual({ value: 'it does not work', by: 'auto' });
  });

  it('ignores an empty selection and cuts a very long one to what a lookup takes', () => {
    expect(valueFromSelection('   \n ')).toBeNull();
    expect(valueFromSelection('...')).toBeNull();
    expect(valueFromSelection('x'.repeat(2000))!.value).toHaveLength(500);
  });
});

describe('what a value is matched as', () => {
  it('tells an email by its shape, anything else is any id', () => {
    expect(looksLikeEmail('ada@example.com')).toBe(true);
    expect(looksLikeEmail('ada@localhost')).toBe(false);
    expect(resolveMatch('auto', 'Ada@Example.com')).toBe('email');
    expect(resolveMatch('auto', 'sess-ada-1')).toBe('any_id');
    expect(resolveMatch('session_id', 'ada@example.com')).toBe('session_id');
  });

  it('says what is wrong with a value before anything is asked', () => {
    expect(valueProblem('  ')).toMatch(/^Type an email/);
    expect(valueProblem('x'.repeat(501))).toMatch(/500 characters/);
    expect(valueProblem(' ada@example.com ')).toBeNull();
  });
});
