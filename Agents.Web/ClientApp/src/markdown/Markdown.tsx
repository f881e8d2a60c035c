import { useMemo } from 'react';
import { renderMarkdown } from './markdown';

/** Safe by construction: the HTML comes from markdown-it with raw HTML disabled (see markdown.ts and its tests). */
export function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className={`markdown ${className ?? ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
