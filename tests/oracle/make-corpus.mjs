// Writes a JSONL corpus of cost cases priced by the reference implementation,
// @pydantic/genai-prices' calcPrice (0.1.8), for tst_cost_oracle to compare
// Signalbox's cost engine against. Deterministic: a seeded generator.
//
// Covers every priced entry of every provider, every tier boundary
// (start - 1, start, start + 1 input tokens), both sides of every time window
// and start date, and usages the reference rejects (which we must reject too).
//
// usage: node make-corpus.mjs OUT.jsonl GENAI_PRICES.json

import { calcPrice } from '@pydantic/genai-prices';
import { readFileSync, writeFileSync } from 'node:fs';
const out = process.argv[2];
if (!out || !process.argv[3]) {
  console.error('make-corpus: usage: node make-corpus.mjs OUT.jsonl GENAI_PRICES.json');
  process.exit(2);
}
const dataFile = process.argv[3];
const providers = JSON.parse(readFileSync(dataFile, 'utf8'));

let seed = 20261125;
function rand() { // mulberry32
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

function variantsOf(prices) { return Array.isArray(prices) ? prices.map((v) => v.prices) : [prices]; }
function literals(rule, acc = []) {
  if (rule.equals) acc.push(rule.equals);
  if (rule.starts_with) acc.push(rule.starts_with);
  if (rule.or) rule.or.forEach((r) => literals(r, acc));
  if (rule.and) rule.and.forEach((r) => literals(r, acc));
  return acc;
}

const DEFAULT_TIME = '2026-10-01T12:00:00.000Z';
function timesFor(prices) {
  if (!Array.isArray(prices)) return [DEFAULT_TIME];
  const times = new Set([DEFAULT_TIME, '2025-06-01T12:00:00.000Z']);
  const seconds = (s) => { const [h, m, x] = s.replace('Z', '').split(':').map(Number); return h * 3600 + m * 60 + x; };
  const at = (day, sec) => new Date(Date.parse(day + 'T00:00:00.000Z') + ((sec + 86400) % 86400) * 1000).toISOString();
  for (const v of prices) {
    const c = v.constraint;
    if (!c) continue;
    if (c.type === 'start_date') {
      const t = Date.parse(c.start_date + 'T00:00:00.000Z');
      times.add(new Date(t - 1).toISOString());
      times.add(new Date(t).toISOString());
    } else if (c.type === 'time_of_date') {
      for (const day of ['2025-10-01', '2027-06-01']) {
        const s = seconds(c.start_time); const e = seconds(c.end_time);
        for (const sec of [s - 1, s, e - 1, e]) times.add(at(day, sec));
      }
    }
  }
  return [...times];
}

// Builds a consistent inclusive usage for the units a price set charges.
function usageFor(keys, input) {
  const has = (k) => keys.has(k);
  const u = { input_tokens: input, output_tokens: randInt(0, 4000) };
  let room = input;
  const take = (frac) => { const n = Math.floor(room * rand() * frac); room -= n; return n; };
  if (has('cache_read_mtok')) u.cache_read_tokens = take(0.6);
  if (has('cache_write_mtok')) {
    u.cache_write_tokens = take(0.5);
    if (has('cache_write_1h_mtok')) u.cache_write_1h_tokens = Math.floor(u.cache_write_tokens * rand());
  }
  for (const m of ['audio', 'image', 'video', 'text']) {
    if (has(`input_${m}_mtok`)) {
      u[`input_${m}_tokens`] = take(0.3);
      if (has(`cache_${m}_read_mtok`) && u.cache_read_tokens !== undefined) {
        const n = Math.floor(Math.min(u.cache_read_tokens, u[`input_${m}_tokens`]) * rand());
        u[`cache_${m}_read_tokens`] = n;
      }
    }
    if (has(`output_${m}_mtok`)) u[`output_${m}_tokens`] = Math.floor(u.output_tokens * rand() * 0.5);
  }
  if (has('output_reasoning_mtok')) u.output_reasoning_tokens = Math.floor(u.output_tokens * rand());
  if (has('output_citation_mtok')) u.output_citation_tokens = Math.floor(u.output_tokens * rand() * 0.3);
  for (const [priceKey, usageKey, max] of [
    ['web_searches_kcount', 'web_searches', 20], ['storage_searches_kcount', 'storage_searches', 20],
    ['input_document_kpages', 'input_document_pages', 50], ['input_annotated_document_kpages', 'input_annotated_document_pages', 10],
    ['input_text_messages_kcount', 'input_text_messages', 30], ['audio_hours', 'audio_seconds', 7200],
    ['input_audio_hours', 'input_audio_seconds', 7200], ['output_audio_hours', 'output_audio_seconds', 3600]]) {
    if (has(priceKey)) u[usageKey] = randInt(0, max);
  }
  if (has('input_document_kpages') && has('input_annotated_document_kpages'))
    u.input_annotated_document_pages = Math.min(u.input_annotated_document_pages, u.input_document_pages);
  return u;
}

const cases = [];
let skipped = 0;
function record(providerId, modelId, timestamp, usage, entryId) {
  const c = { provider: providerId, model: modelId, entry: entryId, at: timestamp, usage };
  try {
    const r = calcPrice(usage, modelId, { providerId, timestamp: new Date(timestamp) });
    if (r === null) c.expected = null;
    else c.expected = { input: r.input_price, output: r.output_price, total: r.total_price, entry: r.model.id };
  } catch (e) {
    c.error = String(e.message);
  }
  cases.push(c);
}

for (const p of providers) {
  for (const m of p.models) {
    // The id a response would carry: the entry's own, or a literal of its rule that finds it.
    const candidates = [m.id, ...literals(m.match)];
    const modelId = candidates.find((id) => {
      try {
        const r = calcPrice({}, id, { providerId: p.id, timestamp: new Date(DEFAULT_TIME) });
        return r && r.model.id === m.id && r.provider.id === p.id;
      } catch { return false; }
    });
    if (!modelId) { skipped++; continue; }
    const keys = new Set(variantsOf(m.prices).flatMap((v) => Object.keys(v)));
    const starts = new Set();
    for (const v of variantsOf(m.prices))
      for (const val of Object.values(v))
        if (val && typeof val === 'object' && val.tiers) val.tiers.forEach((t) => starts.add(t.start));
    const sizes = [0, randInt(1, 5000), randInt(1, 5000), randInt(5000, 120000), randInt(5000, 120000), randInt(100000, 1500000)];
    for (const s of starts) sizes.push(s - 1, s, s + 1);
    for (const at of timesFor(m.prices)) {
      for (const n of sizes) record(p.id, modelId, at, usageFor(keys, n), m.id);
    }
    // Usages the reference rejects: a part larger than its whole.
    if (keys.has('cache_read_mtok'))
      record(p.id, modelId, DEFAULT_TIME, { input_tokens: 10, cache_read_tokens: 20, output_tokens: 1 }, m.id);
  }
}
// Ids that match nothing.
for (const p of providers.slice(0, 10)) record(p.id, 'signalbox-no-such-model-xyz', DEFAULT_TIME, { input_tokens: 1 }, null);

writeFileSync(out, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
console.log(`make-corpus: ${cases.length} cases, ${cases.filter((c) => c.error).length} rejected usages, ` +
  `${skipped} entries not reachable by an id of their own rule`);
