import { renderMarkdown } from './markdown';

describe('markdown', () => {
  it('renders markdown', () => {
    expect(renderMarkdown('**bold** and `code`')).toContain('<strong>bold</strong>');
    expect(renderMarkdown('- a\n- b')).toContain('<li>a</li>');
  });

  it('never lets HTML from a message through', () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror=alert(1)> <b onclick="x()">b</b>');
    expect(html).not.toMatch(/<script|<img|<b /);
    expect(html).toContain('&lt;script&gt;');
  });

  it('refuses script URLs in links and images', () => {
    for (const source of ['[x](javascript:alert(1))', '[x](JAVASCRIPT:alert(1))', '![x](javascript:alert(1))', '[x](vbscript:msgbox)', '[x](data:text/html;base64,PHNjcmlwdD4=)']) {
      const container = document.createElement('div');
      container.innerHTML = renderMarkdown(source);
      const urls = [...container.querySelectorAll('a, img')].map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? '');
      expect(urls.filter((u) => /^(javascript|vbscript|data:text)/i.test(u))).toEqual([]);
    }
  });

  it('opens links in a new tab without an opener', () => {
    const html = renderMarkdown('see https://example.org');
    expect(html).toContain('href="https://example.org"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });
});
