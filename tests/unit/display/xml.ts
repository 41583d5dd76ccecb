/** A minimal well-formedness check for SVG/XML text: tags balance and nest, attributes are quoted. */
export function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  let match: RegExpExecArray | null;
  while ((match = token.exec(xml))) {
    if (match[0] === "<") throw new Error(`malformed tag at ${match.index}: ${xml.slice(match.index, match.index + 60)}`);
    if (match[0] === "&") throw new Error(`unescaped & at ${match.index}: ${xml.slice(match.index, match.index + 30)}`);
    const [, closing, name, , selfClosing] = match;
    if (!name) continue;
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${match.index}`);
    } else if (!selfClosing) stack.push(name);
  }
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(", ")}`);
}
