// Content script for profile pages: reads who the page is about (name,
// headline, current company, profile URL) from a LinkedIn-like layout.
// It only reads text; it never changes the page.
(() => {
  const clean = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
  const textOf = (selector) => clean(document.querySelector(selector)?.textContent);

  function currentCompany(headline) {
    // LinkedIn's top card: <button aria-label="Current company: Acme. Click to skip to experience card">
    const button = document.querySelector('[aria-label^="Current company" i]');
    if (button) {
      const label = clean(button.getAttribute('aria-label')).replace(/^current company:?\s*/i, '').replace(/\.\s*click to .*$/i, '');
      if (label) return label;
      if (clean(button.textContent)) return clean(button.textContent);
    }
    // The first experience entry: "Acme · Full-time".
    const entry = textOf('#experience ~ div li .t-14.t-normal, section.experience li .t-14.t-normal');
    if (entry) return clean(entry.split('·')[0]);
    // A headline such as "Engineer at Acme".
    const at = /\bat\s+(.+)$/i.exec(headline);
    return at ? clean(at[1]) : '';
  }

  function profileUrl() {
    if (/linkedin\.com\/in\//i.test(location.href)) return location.href;
    const canonical = document.querySelector('link[rel="canonical"]')?.href;
    return canonical || location.href;
  }

  function extractProfile() {
    const name = textOf('main h1') || textOf('h1');
    const headline = textOf('main .text-body-medium') || textOf('[data-field="headline"]');
    return { name, headline, company: currentCompany(headline), url: profileUrl() };
  }

  chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    if (message?.type === 'wig:extract') sendResponse(extractProfile());
  });

  const profile = extractProfile();
  if (profile.name) chrome.runtime.sendMessage({ type: 'wig:profile-seen', profile }).catch(() => {});
})();
