// Checks an OpenAI-compatible endpoint (the Signalbox gateway) with the
// official `openai` npm client, pinned in package.json. One JSON line per
// check on stdout; a summary on stderr; exit 0 only if every check passed.
//
// env: OPENAI_BASE_URL (http://127.0.0.1:PORT/v1), OPENAI_API_KEY,
//      SIGNALBOX_COMPAT_MODEL (a model the endpoint serves),
//      SIGNALBOX_COMPAT_TIMEOUT_MS (optional: each check's deadline, default 30000)
// Failures tagged "[signalbox]" expect what only the gateway adds (usage.cost,
// x-signalbox-* headers, its own key and model checks); a plain provider fails them.

import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const baseURL = process.env.OPENAI_BASE_URL;
const apiKey = process.env.OPENAI_API_KEY;
const model = process.env.SIGNALBOX_COMPAT_MODEL;
if (!baseURL || !apiKey || !model) {
    console.error('chat-compat: set OPENAI_BASE_URL, OPENAI_API_KEY and SIGNALBOX_COMPAT_MODEL');
    process.exit(2);
}

const CHECK_TIMEOUT_MS = Number(process.env.SIGNALBOX_COMPAT_TIMEOUT_MS) || 30_000;
const messages = [{ role: 'user', content: 'hello' }];
// maxRetries 0: a retried request would hide the status the endpoint answered.
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: CHECK_TIMEOUT_MS });

const ms = (from) => Math.round((performance.now() - from) * 10) / 10;
const clip = (text, max = 80) => (typeof text === 'string' && text.length > max ? `${text.slice(0, max)}...` : text);

function describeError(e) {
    if (e instanceof OpenAI.APIError)
        return `${e.constructor.name} status=${e.status} code=${e.code} type=${e.type}: ${clip(e.message, 160)}`;
    return `${e?.name ?? 'Error'}: ${clip(String(e?.message ?? e), 160)}`;
}

// Runs one check with its own deadline; `body` gets an AbortSignal and a
// `fail(reason)` to record a failed expectation, and returns the details.
async function check(name, body) {
    const failures = [];
    const fail = (reason) => failures.push(reason);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), CHECK_TIMEOUT_MS);
    let details = {};
    try {
        details = (await body(controller.signal, fail)) ?? {};
    } catch (e) {
        if (!controller.signal.aborted)
            fail(`threw ${describeError(e)}`);
    } finally {
        clearTimeout(timer);
    }
    // The client ends a stream's iteration quietly when it is aborted.
    if (controller.signal.aborted)
        failures.unshift(`no complete answer within ${CHECK_TIMEOUT_MS} ms`);
    const result = { check: name, ok: failures.length === 0, failures, ...details };
    console.log(JSON.stringify(result));
    return result;
}

// Reads a whole stream; returns what a client would see of it.
async function readStream(stream, startedAt) {
    const seen = { chunks: 0, content: '', firstChunkMs: null, firstContentMs: null, usageChunks: [], finishReason: null, last: null };
    for await (const chunk of stream) {
        if (seen.chunks === 0)
            seen.firstChunkMs = ms(startedAt);
        const piece = chunk.choices?.[0]?.delta?.content;
        if (typeof piece === 'string' && piece.length > 0) {
            if (seen.firstContentMs === null)
                seen.firstContentMs = ms(startedAt);
            seen.content += piece;
        }
        seen.finishReason = chunk.choices?.[0]?.finish_reason ?? seen.finishReason;
        if (chunk.usage != null)
            seen.usageChunks.push(seen.chunks);
        seen.last = chunk;
        ++seen.chunks;
    }
    seen.totalMs = ms(startedAt);
    return seen;
}

async function expectApiError(request, wantStatus, WantClass, signal, fail) {
    try {
        const data = await request();
        fail(`[signalbox] expected HTTP ${wantStatus}, got a successful answer (id ${data?.id})`);
        return { status: 200 };
    } catch (e) {
        if (signal.aborted)
            throw e;
        if (!(e instanceof OpenAI.APIError)) {
            fail(`expected an OpenAI.APIError, got ${describeError(e)}`);
            return {};
        }
        if (e.status !== wantStatus)
            fail(`[signalbox] expected status ${wantStatus}, got ${e.status}: ${clip(e.message, 160)}`);
        else if (!(e instanceof WantClass))
            fail(`status ${wantStatus} but the client made a ${e.constructor.name}, not ${WantClass.name}`);
        // The client only fills code/type from an OpenAI-shaped {"error": {...}} body.
        if (typeof e.error?.message !== 'string')
            fail(`error body is not OpenAI's {"error":{"message","type","code"}}: ${clip(JSON.stringify(e.error), 160)}`);
        return { status: e.status, error_class: e.constructor.name, code: e.code ?? null, type: e.type ?? null, message: clip(e.message, 160) };
    }
}

const results = [];

results.push(await check('json', async (signal, fail) => {
    const startedAt = performance.now();
    const { data, response } = await client.chat.completions.create({ model, messages }, { signal }).withResponse();
    const elapsed = ms(startedAt);
    const content = data.choices?.[0]?.message?.content;
    if (typeof content !== 'string')
        fail(`choices[0].message.content is ${JSON.stringify(content)}, not a string`);
    if (!(data.usage?.prompt_tokens > 0))
        fail(`usage.prompt_tokens is ${JSON.stringify(data.usage?.prompt_tokens)}, not > 0`);
    if (typeof data.usage?.cost !== 'number')
        fail(`[signalbox] usage.cost is ${JSON.stringify(data.usage?.cost)}, not a number`);
    const provider = response.headers.get('x-signalbox-provider');
    const requestId = response.headers.get('x-request-id');
    if (!provider)
        fail('[signalbox] no x-signalbox-provider response header');
    if (!requestId)
        fail('no x-request-id response header');
    return {
        status: response.status, ms: elapsed, model: data.model, content: clip(content),
        usage: data.usage ?? null, cost: data.usage?.cost ?? null,
        x_signalbox_provider: provider, x_request_id: requestId,
    };
}));

results.push(await check('stream', async (signal, fail) => {
    const startedAt = performance.now();
    const stream = await client.chat.completions.create({ model, messages, stream: true }, { signal });
    const seen = await readStream(stream, startedAt);
    if (seen.chunks <= 1)
        fail(`${seen.chunks} chunk(s), expected more than 1`);
    if (seen.content.length === 0)
        fail('no delta content in any chunk');
    if (seen.finishReason === null)
        fail('no chunk carried a finish_reason');
    if (seen.usageChunks.length > 0)
        fail(`[signalbox] usage in chunk(s) ${seen.usageChunks.join(',')} although stream_options.include_usage was not asked for`);
    return {
        chunks: seen.chunks, ttft_ms: seen.firstChunkMs, first_content_ms: seen.firstContentMs, total_ms: seen.totalMs,
        finish_reason: seen.finishReason, content: clip(seen.content),
    };
}));

results.push(await check('stream_usage', async (signal, fail) => {
    const startedAt = performance.now();
    const stream = await client.chat.completions.create(
        { model, messages, stream: true, stream_options: { include_usage: true } }, { signal });
    const seen = await readStream(stream, startedAt);
    if (seen.chunks <= 1)
        fail(`${seen.chunks} chunk(s), expected more than 1`);
    if (seen.content.length === 0)
        fail('no delta content in any chunk');
    const usage = seen.last?.usage;
    if (!(usage?.prompt_tokens > 0))
        fail(`the last chunk's usage is ${clip(JSON.stringify(usage ?? null), 120)}, expected usage with prompt_tokens > 0`);
    const early = seen.usageChunks.filter((i) => i !== seen.chunks - 1);
    if (early.length > 0)
        fail(`usage also in chunk(s) ${early.join(',')} before the last`);
    return {
        chunks: seen.chunks, ttft_ms: seen.firstChunkMs, first_content_ms: seen.firstContentMs, total_ms: seen.totalMs,
        usage: usage ?? null, cost: usage?.cost ?? null,
    };
}));

results.push(await check('error_auth', async (signal, fail) => {
    const wrong = new OpenAI({ baseURL, apiKey: 'sbk_wrong', maxRetries: 0, timeout: CHECK_TIMEOUT_MS });
    return expectApiError(() => wrong.chat.completions.create({ model, messages }, { signal }), 401, OpenAI.AuthenticationError, signal, fail);
}));

results.push(await check('error_model', async (signal, fail) => {
    return expectApiError(() => client.chat.completions.create({ model: 'no-such-model-xyz', messages }, { signal }),
        404, OpenAI.NotFoundError, signal, fail);
}));

results.push(await check('models', async (signal, fail) => {
    const ids = [];
    for await (const entry of client.models.list({ signal }))
        ids.push(entry.id);
    if (!ids.includes(model))
        fail(`GET /models does not list ${model} (${ids.length} models)`);
    return { count: ids.length, listed: ids.includes(model) };
}));

const failed = results.filter((r) => !r.ok).map((r) => r.check);
console.error(`chat-compat: openai ${VERSION} on node ${process.version} against ${baseURL}: `
    + `${results.length - failed.length} of ${results.length} checks passed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length === 0 ? 0 : 1);
