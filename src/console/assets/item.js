// 一屏控制台: the item editor, built from JSON the server embedded in the page.
'use strict';
(function () {
  const { $, $$, h, put, api, errText, diagList, toLocalInput, fromLocalInput, nowLocal, frameImg, sizeImg, debounce, select, data, pages, CATEGORIES } = window.yiping;
  const STATUSES = [['pending', '待审核（不显示）'], ['approved', '已审核（显示）'], ['rejected', '未通过（不显示）'], ['revoked', '已撤回（不显示）']];
  const ALIGNS = [['left', '左'], ['right', '右'], ['center', '中']];

  pages.item = async function () {
    const tz = data.tz;
    const root = $('#editor');
    const params = new URLSearchParams(location.search);
    let key = data.key;
    let etag = null;
    let editable = true;
    let model;
    let loadedText = null;
    let loadDiags = [];
    if (key) {
      const r = await api('GET', '/api/items/' + encodeURIComponent(key).replace(/%2F/g, '/'));
      if (!r.ok) { put(root, h('p.error', {}, errText(r))); return; }
      editable = r.json.editable;
      etag = r.json.etag || null;
      model = r.json.item;
      loadedText = r.json.text || r.json.json;
      loadDiags = r.json.diagnostics || [];
    } else if (params.get('draft')) {
      model = JSON.parse(sessionStorage.getItem('yiping-draft') || 'null');
    }
    if (!model && !loadedText) {
      const start = nowLocal().slice(0, 10) + 'T00:00';
      const until = new Date(Date.parse(fromLocalInput(start, tz)) + 30 * 86400000).toISOString();
      model = { id: '', revision: 1, category: 'village', title: '', body: [''], status: 'pending', display: { from: fromLocalInput(start, tz), until: fromLocalInput(toLocalInput(until, tz), tz) }, priority: 'normal' };
      if (data.village) model.village = data.village;
    }
    $('#title').textContent = key ? (editable ? '编辑条目' : '查看条目（只读）') : (params.get('draft') ? '核对导入的草稿' : '新建条目');
    const isNew = !key;
    const errors = h('div', { role: 'alert' });
    const status = h('p', { role: 'status' });
    let screen = (data.screens[0] || {}).name;
    const previewImg = frameImg(screen);
    const previewInfo = h('p.hint');
    const previewErr = h('div');
    let page = 0;

    function clean() {
      const m = JSON.parse(JSON.stringify(model));
      for (const k of ['list', 'village', 'url']) if (m[k] !== undefined && String(m[k]).trim() === '') delete m[k];
      m.body = (m.body || []).filter((p) => p.trim() !== '');
      if (m.display && (m.display.min_seconds_per_day === '' || m.display.min_seconds_per_day === null)) delete m.display.min_seconds_per_day;
      if (m.approval && !m.approval.by && m.status !== 'approved') delete m.approval;
      if (m.table && (!m.table.columns || !m.table.columns.length)) delete m.table;
      return m;
    }
    const text = () => JSON.stringify(clean(), null, 2);

    const refreshPreview = debounce(async () => {
      if (!screen) return;
      const r = await api('POST', '/api/preview/' + encodeURIComponent(screen) + '/item.png?page=' + page, text(), { 'Content-Type': 'application/json' });
      put(previewErr);
      if (r.ok) {
        if (previewImg.src) URL.revokeObjectURL(previewImg.src);
        previewImg.src = URL.createObjectURL(r.blob);
        const pages = +r.headers.get('x-yiping-pages') || 1;
        if (page >= pages) page = pages - 1;
        const masked = +r.headers.get('x-yiping-masked') || 0;
        const missing = r.headers.get('x-yiping-missing');
        previewInfo.textContent = '第 ' + (page + 1) + ' / ' + pages + ' 页' + (masked ? '；已脱敏 ' + masked + ' 处（身份证、手机、银行卡号只显示部分）' : '；无需脱敏') +
          (missing ? '；字体缺字：' + missing.split(' ').map((c) => String.fromCodePoint(parseInt(c.slice(2), 16))).join('') + '（显示为方框）' : '');
      } else {
        put(previewErr, h('p.warn', {}, '预览前请先修正：'), diagList(r.json && r.json.diagnostics) || h('p.error', {}, errText(r)));
      }
    }, 500);

    function changed() { refreshPreview(); }

    function field(label, input, name) {
      return h('label', { 'data-field': name }, label, input);
    }
    function textInput(obj, k, attrs) {
      return h('input', Object.assign({ value: obj[k] === undefined ? '' : obj[k], disabled: !editable, oninput: (e) => { obj[k] = e.target.value; changed(); } }, attrs || {}));
    }
    function timeInput(obj, k) {
      return h('input', { type: 'datetime-local', value: toLocalInput(obj[k], tz), disabled: !editable, onchange: (e) => { obj[k] = fromLocalInput(e.target.value, tz); changed(); } });
    }

    function bodyEditor() {
      const box = h('div');
      const draw = () => {
        put(box, ...model.body.map((p, i) => h('div.row', {},
          h('textarea', { value: p, disabled: !editable, 'aria-label': '第 ' + (i + 1) + ' 段', oninput: (e) => { model.body[i] = e.target.value; changed(); } }),
          editable && h('button', { type: 'button', title: '删除这一段', onclick: () => { model.body.splice(i, 1); draw(); changed(); } }, '×'))),
          editable && h('button', { type: 'button', onclick: () => { model.body.push(''); draw(); } }, '＋ 加一段'));
      };
      if (!model.body || !model.body.length) model.body = [''];
      draw();
      return box;
    }

    function tableEditor() {
      const box = h('div');
      const draw = () => {
        const t = model.table;
        if (!t) {
          put(box, editable ? h('button', { type: 'button', onclick: () => { model.table = { columns: ['姓名', '金额（元）'], align: ['left', 'right'], rows: [['', '']] }; draw(); changed(); } }, '＋ 添加表格') : h('p.hint', {}, '无表格'));
          return;
        }
        t.align = t.align && t.align.length === t.columns.length ? t.align : t.columns.map((_, i) => (t.align || [])[i] || 'left');
        const shown = t.rows.slice(0, 300);
        const head = h('tr', {}, t.columns.map((c, j) => h('th', {},
          h('input', { value: c, disabled: !editable, 'aria-label': '第 ' + (j + 1) + ' 列标题', oninput: (e) => { t.columns[j] = e.target.value; changed(); } }),
          select(ALIGNS, t.align[j], (e) => { t.align[j] = e.target.value; changed(); }))), editable && h('th'));
        const rows = shown.map((r, i) => h('tr', {}, t.columns.map((_, j) => h('td', {},
          h('input', { value: r[j] === undefined ? '' : r[j], disabled: !editable, oninput: (e) => { r[j] = e.target.value; changed(); } }))),
          editable && h('td', {}, h('button', { type: 'button', title: '删除这一行', onclick: () => { t.rows.splice(i, 1); draw(); changed(); } }, '×'))));
        const paste = h('textarea', { placeholder: '从 Excel 复制几行后粘贴到这里（每行一行，列之间是制表符），再点“替换全部行”' });
        put(box, h('div.tablewrap', {}, h('table.grid', {}, h('thead', {}, head), h('tbody', {}, rows))),
          t.rows.length > shown.length ? h('p.hint', {}, '只显示前 300 行；其余行可在“高级（JSON）”中编辑。') : null,
          editable && h('p', {},
            h('button', { type: 'button', onclick: () => { t.rows.push(t.columns.map(() => '')); draw(); changed(); } }, '＋ 加一行'),
            h('button', { type: 'button', onclick: () => { t.columns.push('新列'); t.align.push('left'); t.rows.forEach((r) => r.push('')); draw(); changed(); } }, '＋ 加一列'),
            h('button', { type: 'button', onclick: () => { if (t.columns.length > 1) { t.columns.pop(); t.align.pop(); t.rows.forEach((r) => r.splice(t.columns.length)); draw(); changed(); } } }, '－ 删最后一列'),
            h('button.danger', { type: 'button', onclick: () => { delete model.table; draw(); changed(); } }, '删除表格')),
          editable && h('details', {}, h('summary', {}, '从 Excel 粘贴'), paste, h('button', { type: 'button', onclick: () => {
            const lines = paste.value.split(/\r?\n/).filter((l) => l.trim() !== '');
            t.rows = lines.map((l) => { const c = l.split('\t'); return t.columns.map((_, j) => (c[j] || '').trim()); });
            paste.value = ''; draw(); changed();
          } }, '替换全部行')));
      };
      draw();
      return box;
    }

    function form() {
      model.display = model.display || {};
      const approval = () => { model.approval = model.approval || { by: '', at: fromLocalInput(nowLocal(), tz) }; return model.approval; };
      const approvalBox = h('div');
      const drawApproval = () => {
        const need = model.status === 'approved';
        const a = model.approval || {};
        put(approvalBox,
          field('审核人（谁审核通过的，如 村务监督委员会）' + (need ? '（必填）' : ''), h('input', { value: a.by || '', disabled: !editable, required: need, oninput: (e) => { approval().by = e.target.value; changed(); } }), 'approval'),
          field('审核时间', h('input', { type: 'datetime-local', value: toLocalInput(a.at, tz), disabled: !editable, onchange: (e) => { approval().at = fromLocalInput(e.target.value, tz); changed(); } }), 'at'));
      };
      drawApproval();
      const listInput = textInput(model, 'list', { list: 'lists', placeholder: '如 低保' });
      return h('div', {},
        h('fieldset', {}, h('legend', {}, '基本信息'),
          field('标题', textInput(model, 'title', { required: true, maxlength: 200 }), 'title'),
          h('div.row', {}, field('类别', select(CATEGORIES, model.category, (e) => { model.category = e.target.value; changed(); }), 'category'),
            field('紧急程度', select([['normal', '普通'], ['urgent', '紧急（插播）']], model.priority || 'normal', (e) => { model.priority = e.target.value; changed(); }), 'priority')),
          field('编号（id，字母数字和 - _ . :，保存后不能改）', textInput(model, 'id', { required: true, pattern: '[A-Za-z0-9][A-Za-z0-9_.:-]*', disabled: !editable || !isNew }), 'id'),
          h('div.row', {}, field('清单（可选）', listInput, 'list'), field('村名（可选）', textInput(model, 'village'), 'village')),
          h('datalist', { id: 'lists' }, (data.lists || []).map((l) => h('option', { value: l })))),
        h('fieldset', {}, h('legend', {}, '审核'),
          field('状态', select(STATUSES, model.status, (e) => { model.status = e.target.value; if (model.status === 'approved') approval(); drawApproval(); changed(); }), 'status'),
          approvalBox),
        h('fieldset', {}, h('legend', {}, '公示期（' + tz + ' 时间）'),
          h('div.row', {}, field('开始', timeInput(model.display, 'from'), 'from'), field('结束', timeInput(model.display, 'until'), 'until')),
          field('每日最短显示秒数（可选）', h('input', { type: 'number', min: 0, value: model.display.min_seconds_per_day || '', disabled: !editable, oninput: (e) => { model.display.min_seconds_per_day = e.target.value === '' ? '' : +e.target.value; changed(); } }), 'min_seconds_per_day')),
        h('fieldset', { 'data-field': 'body' }, h('legend', {}, '正文'), bodyEditor()),
        h('fieldset', { 'data-field': 'table' }, h('legend', {}, '表格'), tableEditor()));
    }

    const formBox = h('div');
    const jsonBox = h('textarea.code', { 'aria-label': 'JSON', spellcheck: 'false' });
    const jsonView = h('div', { hidden: true }, h('p.hint', {}, '条目的 JSON 原文。改完点“用此内容”回到表单。'), jsonBox,
      h('button', { type: 'button', onclick: () => {
        try { model = JSON.parse(jsonBox.value); put(formBox, form()); showView(false); changed(); } catch (e) { put(errors, h('p.error', {}, 'JSON 格式错误：' + e.message)); }
      } }, '用此内容'));
    const tabForm = h('button', { type: 'button', 'aria-pressed': 'true', onclick: () => showView(false) }, '表单');
    const tabJson = h('button', { type: 'button', 'aria-pressed': 'false', onclick: () => showView(true) }, '高级（JSON）');
    function showView(json) {
      if (json) jsonBox.value = model ? text() : loadedText;
      jsonView.hidden = !json; formBox.hidden = json;
      tabForm.setAttribute('aria-pressed', String(!json)); tabJson.setAttribute('aria-pressed', String(json));
    }

    function markFields(diags) {
      $$('.field-error', root).forEach((el) => el.classList.remove('field-error'));
      for (const d of diags || []) {
        if (!d.key) continue;
        const el = $('[data-field="' + d.key + '"]', root);
        if (el) el.classList.add('field-error');
      }
    }

    async function save() {
      put(errors); status.textContent = '正在检查并保存…';
      const m = clean();
      if (m.status === 'approved' && !(m.approval && m.approval.by && m.approval.by.trim())) {
        status.textContent = '';
        put(errors, h('p.error', {}, '标记为已审核时必须填写审核人。'));
        markFields([{ key: 'approval' }]);
        return;
      }
      const source = key ? key.split('/')[0] : data.folder;
      const k = source + '/' + m.id;
      const body = jsonView.hidden ? text() : jsonBox.value;
      const r = await api('PUT', '/api/items/' + encodeURIComponent(source) + '/' + encodeURIComponent(m.id), body, Object.assign({ 'Content-Type': 'application/json' }, etag ? { 'If-Match': etag } : {}));
      if (r.ok) {
        etag = r.json.etag;
        put(status, h('span.ok', {}, r.json.unchanged ? '内容没有变化。' : '已保存（修订 ' + r.json.revision + '）。屏幕将在几秒内采用。'), ' ', h('a', { href: '/items' }, '返回列表'));
        put(errors, diagList(r.json.warnings) || '');
        markFields([]);
        if (!key) { key = k; history.replaceState(null, '', '/items/edit?key=' + encodeURIComponent(k)); sessionStorage.removeItem('yiping-draft'); }
        if (model && r.json.revision) model.revision = r.json.revision;
      } else {
        status.textContent = '';
        put(errors, h('p.error', {}, errText(r)), diagList(r.json && r.json.diagnostics) || '');
        markFields(r.json && r.json.diagnostics);
      }
    }
    async function del() {
      if (!confirm('确定删除这个条目？删除后屏幕上立即不再显示。')) return;
      const r = await api('DELETE', '/api/items/' + key.split('/').map(encodeURIComponent).join('/'), undefined, etag ? { 'If-Match': etag } : {});
      if (r.ok) location.href = '/items'; else put(errors, h('p.error', {}, errText(r)));
    }

    const screenSel = select((data.screens || []).map((s) => [s.name, s.name + '（' + s.width + '×' + s.height + '）']), screen, (e) => { screen = e.target.value; page = 0; sizeImg(previewImg, screen); refreshPreview(); });
    const preview = h('section.card', {}, h('h2', {}, '预览'), h('p.hint', {}, '屏幕上的样子（草稿，尚未显示）。'), field('屏幕', screenSel),
      previewImg, h('div.pager', {}, h('button', { type: 'button', onclick: () => { if (page > 0) { page--; refreshPreview(); } } }, '上一页'),
        h('button', { type: 'button', onclick: () => { page++; refreshPreview(); } }, '下一页'), previewInfo), previewErr);

    const parts = [];
    if (!editable) parts.push(h('p.readonly-note', {}, '此条目来自区县信息平台（已签名），只能查看，不能在控制台修改或覆盖。This item comes from the signed district feed: read-only here.'));
    if (loadDiags.length) parts.push(h('section.card', {}, h('h2', {}, '文件中的问题'), diagList(loadDiags)));
    if (model) formBox.append(form());
    parts.push(h('div.tabs', {}, tabForm, tabJson), formBox, jsonView, preview, errors, status);
    if (editable) parts.push(h('div.sticky-save', {}, h('button.primary', { type: 'button', onclick: save }, '检查并保存'), key && h('button.danger', { type: 'button', onclick: del }, '删除')));
    put(root, ...parts);
    if (!model) { showView(true); jsonBox.value = loadedText; put(errors, h('p.warn', {}, '该文件有错误，请在下方修正 JSON 后点“用此内容”，再保存。')); }
    else refreshPreview();
  };

})();
