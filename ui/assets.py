"""The page's own CSS and script; served inline, so the page fetches nothing from the internet.

The script is one delegated click handler (see :mod:`ui.sources` for the attributes):
a ``[n]`` link or a "Xem văn bản" button writes ``<turn>:<n>`` into the hidden
``#view-request`` box and presses the hidden ``#view-go`` button (a Gradio event renders
the viewer); "Sao chép trích dẫn" copies ``data-copy``. :data:`SCROLL_TO_HIT` runs after
the viewer is rendered and scrolls to the highlighted passage.
"""

from __future__ import annotations

CSS = """
.gradio-container { max-width: 1500px !important; }
#app-title h1 { margin: 0.2em 0 0; font-size: 1.6em; color: #7a1f1f; }
#app-title p { margin: 0.2em 0 0.6em; color: #555; }
.src-card { border: 1px solid #e3d9c6; border-left: 4px solid #b3261e; border-radius: 6px; padding: 10px 12px;
            margin: 0 0 12px; background: #fffdf8; }
.src-card.near { border-left-color: #9a9a9a; }
.src-card.flash { box-shadow: 0 0 0 3px #f3c969; }
.src-title { font-weight: 600; margin-bottom: 4px; }
.src-n { color: #b3261e; }
.src-meta, .src-where { font-size: 0.88em; color: #555; }
.src-passage { margin: 8px 0; padding: 6px 10px; border-left: 3px solid #ddd; background: #fff; white-space: pre-wrap; }
mark.hit { background: #ffe58a; padding: 0 1px; border-radius: 2px; }
.src-formal { font-size: 0.92em; margin: 6px 0; }
.src-label { color: #777; }
.src-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.src-btn { border: 1px solid #c9bfae; background: #f7f2e8; border-radius: 5px; padding: 3px 10px; cursor: pointer;
           font-size: 0.88em; }
.src-btn:hover { background: #efe6d3; }
.understood { font-size: 0.85em; color: #777; font-style: italic; margin-bottom: 8px; }
.muted { color: #666; font-size: 0.9em; }
.refusal { margin-top: 0; }
.viewer-head { border-bottom: 1px solid #e3d9c6; padding-bottom: 6px; margin-bottom: 8px; }
.viewer-title { font-weight: 700; font-size: 1.1em; }
.viewer-body { white-space: pre-wrap; max-height: 70vh; overflow-y: auto; padding: 8px 12px; background: #fff;
               border: 1px solid #eee; border-radius: 6px; line-height: 1.55; }
.doc-passage { background: #fff6d6; }
.page-no { display: block; text-align: center; color: #888; font-size: 0.82em; margin: 10px 0;
           border-top: 1px dashed #ccc; }
.warn { color: #8a4b00; }
#chat a[href^="#nguon-"] { color: #b3261e; font-weight: 600; text-decoration: none; }
.ok-msg { color: #1d6b2f; }
/* Gradio's tables use the mono font, which stacks Vietnamese marks badly: the text font instead. */
#doc-table, #doc-table * { font-family: var(--font) !important; }
.tool-btn { min-width: 0 !important; }
"""

HEAD = """
<script>
(function () {
  function request(value) {
    const box = document.querySelector('#view-request textarea, #view-request input');
    const go = document.querySelector('#view-go');
    if (!box || !go) return;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(function () { go.click(); }, 50);
  }
  function copy(text, button) {
    const done = function () { const old = button.textContent; button.textContent = 'Đã sao chép';
                               setTimeout(function () { button.textContent = old; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      const area = document.createElement('textarea'); area.value = text; document.body.appendChild(area);
      area.select(); try { document.execCommand('copy'); done(); } catch (e) {} area.remove();
    }
  }
  // Gradio writes its status line in English ("processing | 3.6s", "queue: 2/5 |") with no
  // translation key: the words are replaced where they appear, the figures kept.
  const STATUS = [[/^(\\s*)processing \\|/, '$1đang xử lý |'], [/^(\\s*)queue: /, '$1hàng đợi: ']];
  function translate(node) {
    if (node.nodeType !== Node.TEXT_NODE || !node.parentElement
        || !node.parentElement.closest('.progress-text, .meta-text, .meta-text-center')) return;
    let text = node.data;
    for (const [pattern, words] of STATUS) text = text.replace(pattern, words);
    if (text !== node.data) node.data = text;
  }
  new MutationObserver(function (changes) {
    for (const change of changes) {
      if (change.type === 'characterData') { translate(change.target); continue; }
      for (const added of change.addedNodes) {
        if (added.nodeType === Node.TEXT_NODE) { translate(added); continue; }
        if (added.querySelectorAll) {
          const walker = document.createTreeWalker(added, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) translate(walker.currentNode);
        }
      }
    }
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
  document.addEventListener('click', function (event) {
    const link = event.target.closest('a[href^="#nguon-"]');
    if (link) {
      event.preventDefault(); event.stopPropagation();
      const id = link.getAttribute('href').slice(1);
      const card = document.getElementById(id);
      if (card) { card.classList.add('flash'); setTimeout(function () { card.classList.remove('flash'); }, 2000); }
      const parts = id.split('-');
      request(parts[1] + ':' + parts[2]);
      return;
    }
    const view = event.target.closest('[data-view]');
    if (view) { event.preventDefault(); request(view.getAttribute('data-view')); return; }
    const copyButton = event.target.closest('[data-copy]');
    if (copyButton) { event.preventDefault(); copy(copyButton.getAttribute('data-copy'), copyButton); }
  }, true);
})();
</script>
"""

SCROLL_TO_HIT = """
() => {
  setTimeout(function () {
    const viewer = document.querySelector('#viewer');
    if (viewer) viewer.scrollIntoView({block: 'start'});
    const hit = document.querySelector('#doc-hit') || document.querySelector('#doc-passage');
    const body = document.querySelector('#viewer-body');
    if (hit && body) body.scrollTop = hit.offsetTop - body.offsetTop - 80;
  }, 300);
}
"""


#: Gradio's own strings (upload areas, file lists) in Vietnamese: Gradio ships no Vietnamese, so these
#: are given for "vi" and, since every other word of the page is Vietnamese, for "en" as well.
#: Keys are those of Gradio's frontend locale files (``upload_text.*``, ``common.*``).
GRADIO_TEXTS = {
    "upload_text.drop_file": "Thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "upload_text.drop_csv": "Thả tệp CSV vào đây",
    "upload_text.paste_clipboard": "Dán từ bộ nhớ tạm",
    "common.or": "hoặc",
    "common.clear": "Xóa",
    "common.download": "Tải xuống",
    "common.download_all": "Tải tất cả",
    "common.remove": "Bỏ",
    "common.loading": "Đang tải",
    "common.error": "Lỗi",
    "common.empty": "Trống",
    "common.edit": "Sửa",
}


def i18n():
    """The ``launch(i18n=...)`` of the app: :data:`GRADIO_TEXTS` for Vietnamese and English browsers."""
    import gradio as gr

    return gr.I18n(vi=GRADIO_TEXTS, en=GRADIO_TEXTS)

