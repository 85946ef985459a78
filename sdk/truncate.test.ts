import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  maxEchoedChars,
  quote,
  quoteRaw,
  truncate,
  truncateBytes,
  truncatedMark,
  wellFormed,
} from './truncate.js';

describe('truncate', () => {
  it('leaves short text alone and cuts long text to its limit, marked', () => {
    assert.equal(truncate('short', 20), 'short');
    const cut = truncate('x'.repeat(1000), 100);
    assert.equal(cut.length, 100);
    assert.ok(cut.endsWith(truncatedMark));
    assert.equal(cut, `${'x'.repeat(100 - truncatedMark.length)}${truncatedMark}`);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncate('😀'.repeat(100), 21); // 7 units before the mark: 3 pairs and a half
    assert.equal(cut, `${'😀'.repeat(3)}${truncatedMark}`);
    assert.equal(wellFormed(cut), cut);
  });
});

describe('quote', () => {
  it('quotes as JSON up to the limit, then a marked prefix', () => {
    assert.equal(quote('web'), '"web"');
    assert.equal(quote('a"b'), '"a\\"b"');
    assert.equal(quote('a'.repeat(maxEchoedChars)), `"${'a'.repeat(maxEchoedChars)}"`);
    assert.equal(quote('a'.repeat(40_000)), `"${'a'.repeat(maxEchoedChars)}..."(truncated)`);
    assert.equal(quote('abcdef', 3), '"abc..."(truncated)');
  });

  it('quoteRaw does not escape', () => {
    assert.equal(quoteRaw('b\\x'), '"b\\x"');
    assert.equal(quoteRaw('k'.repeat(1 << 20)), `"${'k'.repeat(maxEchoedChars)}..."(truncated)`);
  });
});

describe('truncateBytes', () => {
  it('bounds the UTF-8 bytes', () => {
    assert.equal(truncateBytes('hello', 10), 'hello');
    const ascii = truncateBytes('a'.repeat(5000), 1024);
    assert.equal(Buffer.byteLength(ascii), 1024);
    assert.ok(ascii.endsWith(truncatedMark));
    const wide = truncateBytes('é'.repeat(5000), 1024);
    assert.ok(Buffer.byteLength(wide) <= 1024);
    assert.ok(Buffer.byteLength(wide) > 1000);
    const emoji = truncateBytes('😀'.repeat(5000), 1023);
    assert.ok(Buffer.byteLength(emoji) <= 1023);
    assert.equal(wellFormed(emoji), emoji, 'no half of a pair left');
  });

  it('bounds the percent-encoded form too', () => {
    // Every space and quote is three bytes once encoded by encodeURI.
    const text = '" '.repeat(3000);
    const cut = truncateBytes(text, 1024, 2048);
    assert.ok(encodeURI(cut).length <= 2048, String(encodeURI(cut).length));
    assert.ok(encodeURI(cut).length > 2000);
    const plain = truncateBytes('a'.repeat(3000), 1024, 2048);
    assert.equal(Buffer.byteLength(plain), 1024);
  });

  it('replaces lone surrogates, which encodeURI refuses', () => {
    const broken = `a\ud800b${'c'.repeat(10)}\udc00`;
    const out = truncateBytes(broken, 1024, 2048);
    assert.equal(out, `a\ufffdb${'c'.repeat(10)}\ufffd`);
    assert.doesNotThrow(() => encodeURI(out));
    assert.doesNotThrow(() => encodeURI(truncateBytes('\ud800'.repeat(5000), 100, 200)));
  });
});
