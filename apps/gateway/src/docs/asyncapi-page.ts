import type { AsyncApiDocument, AsyncApiMessage, AsyncApiOperation } from '@danmaku/contracts';

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The little markdown the document's texts use: `code` and *emphasis*, blank-line paragraphs. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>');
}
const paragraphs = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${inline(p)}</p>`)
    .join('\n');

const schemaBlock = (label: string, schema: unknown) =>
  `<details><summary>${label}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`;

/**
 * The AsyncAPI document as one static HTML page: no scripts (so it runs under the API's
 * strict CSP), every command with its payload and ack schema, every server event with its payload.
 */
export function renderAsyncApiPage(doc: AsyncApiDocument, jsonPath: string): string {
  const byRef = (ref: string): AsyncApiMessage =>
    doc.components.messages[ref.slice(ref.lastIndexOf('/') + 1)];
  const operations = Object.values(doc.operations);
  const row = (op: AsyncApiOperation) => {
    const message = byRef(op.messages[0].$ref);
    const reply = op.reply && byRef(op.reply.messages[0].$ref);
    return (
      `<tr><td><code>${escapeHtml(op.title)}</code></td><td>${inline(op.summary)}` +
      `${schemaBlock('payload schema', message.payload)}${reply ? schemaBlock('ack schema', reply.payload) : ''}</td></tr>`
    );
  };
  const table = (ops: AsyncApiOperation[]) =>
    `<table><thead><tr><th>event</th><th>what</th></tr></thead><tbody>\n${ops
      .map(row)
      .join('\n')}\n</tbody></table>`;
  const server = doc.servers.gateway;
  const security = doc.components.securitySchemes.accessToken.description;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
code, pre { font: 13px/1.4 ui-monospace, monospace; background: #f4f4f4; }
pre { padding: .5rem; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: .4rem; }
td:first-child { white-space: nowrap; }
details { margin: .2rem 0; }
summary { cursor: pointer; color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(doc.info.title)}</h1>
<p>AsyncAPI ${escapeHtml(doc.asyncapi)} document, version ${escapeHtml(doc.info.version)}:
<a href="${escapeHtml(jsonPath)}">${escapeHtml(jsonPath)}</a> (open it in any AsyncAPI tool, e.g. studio.asyncapi.com).
Server: <code>${escapeHtml(`${server.protocol}://${server.host}${server.pathname}`)}</code>.</p>
${paragraphs(doc.info.description)}
<p>${inline(security)}</p>
<h2>Client → server commands (answered by an ack)</h2>
${table(operations.filter((o) => o.action === 'receive'))}
<h2>Server → client events</h2>
${table(operations.filter((o) => o.action === 'send'))}
</body>
</html>
`;
}
