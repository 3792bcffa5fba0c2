import { describe, expect, it } from 'vitest';
import { canonicalModel } from './model.ts';

describe('canonicalModel', () => {
  it('strips the Bedrock version suffix after a dated model id', () => {
    expect(canonicalModel('anthropic.claude-3-haiku-20240307-v1:0')).toBe('claude-3-haiku-20240307');
    expect(canonicalModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5-20250929');
    expect(canonicalModel('bedrock/eu.anthropic.claude-3-5-sonnet-20240620-v1')).toBe('claude-3-5-sonnet-20240620');
    expect(
      canonicalModel('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'),
    ).toBe('claude-3-haiku-20240307');
  });

  // Older Bedrock ids (formats.md "Real variants"): the version is part of the identity.
  it('keeps the version of undated Bedrock model ids, so older models stay distinct', () => {
    expect(canonicalModel('anthropic.claude-v2:1')).toBe('claude-v2:1');
    expect(canonicalModel('anthropic.claude-v2')).toBe('claude-v2');
    expect(canonicalModel('anthropic.claude-instant-v1')).toBe('claude-instant-v1');
    expect(canonicalModel('anthropic.claude-v2:1')).not.toBe(canonicalModel('anthropic.claude-v2'));
    expect(canonicalModel('bedrock/anthropic.claude-instant-v1')).toBe('claude-instant-v1');
  });

  it('leaves provider-native ids alone and maps non-strings to empty', () => {
    expect(canonicalModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5-20250929');
    expect(canonicalModel('openai/gpt-4o')).toBe('gpt-4o');
    expect(canonicalModel('  GPT-5-Codex ')).toBe('gpt-5-codex');
    expect(canonicalModel(undefined)).toBe('');
  });
});
