// 一屏控制台 (yiping operator console): the little script behind the server-rendered pages:
// shared helpers, the login, dashboard, lists, import, reports and accounts pages.
// Plain browser JavaScript, no framework, no build step. Every change goes through the
// JSON API with the session's CSRF token; the server validates everything again.
'use strict';
(function () {
  // Script errors are kept where the browser test can read them.
  window.yipingErrors = [];
  window.addEventListener('error', (e) => window.yipingErrors.push(String(e.message)));
  window.addEventListener('unhandledrejection', (e) => window.yipingErrors.push(String(e.reason)));
  const $ = (s, el) => (el || document).querySelector(s);
  const $$ = (s, el) => Array.from((el || document).querySelectorAll(s));
  const csrf = document.body.dataset.csrf || '';
  const data = JSON.parse(($('#data') || {}).textContent || '{}');
  const pad = (n) => String(n).padStart(2, '0');

  // h('div.card', {onclick: f}, 'text', child) builds an element.
  function h(spec, attrs, ...kids) {
    const [tag, ...cls] = spec.split('.');
    const el = document.createElement(tag || 'div');
    if (cls.length) el.className = cls.join(' ');
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) el.append(k instanceof Node ? k : String(k));
    return el;
  }

  // Replaces an element's children, skipping null, undefined and false (conditional parts).
  function put(el, ...kids) {
    el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
  }

  async function api(method, url, body, extra) {
    const headers = Object.assign({}, extra || {});
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      if (typeof body === 'string') headers['Content-Type'] = headers['Content-Type'] || 'text/plain; charset=utf-8';
      else { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    }
    const r = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
    if (r.status === 401 && !url.endsWith('/api/login')) { location.href = '/login'; throw new Error('401'); }
    const type = r.headers.get('content-type') || '';
    const out = { ok: r.ok, status: r.status, headers: r.headers };
    if (type.startsWith('application/json')) out.json = await r.json();
    else if (type.startsWith('image/')) out.blob = await r.blob();
    else out.text = await r.text();
    return out;
  }

  function errText(r) {
    const e = r.json && r.json.error;
    return e ? e.zh + '（' + e.en + '）' : '出错了（HTTP ' + r.status + '）';
  }

  function diagList(diags) {
    if (!diags || !diags.length) return null;
    return h('ul.diags', {}, diags.map((d) => h('li.' + (d.severity === 'warning' ? 'warning' : 'error'), {},
      (d.line ? '第 ' + d.line + ' 行第 ' + d.col + ' 列：' : '') + d.zh, h('br'), h('small', {}, d.en))));
  }

  // Times: the box's time zone, whatever the phone's is.
  function partsIn(date, tz) {
    const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const p = {};
    for (const x of f.formatToParts(date)) p[x.type] = x.value;
    return p;
  }
  function toLocalInput(iso, tz) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return '';
    const p = partsIn(d, tz);
    return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute;
  }
  function offsetAt(ms, tz) {
    const p = partsIn(new Date(ms), tz);
    return Math.round((Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms) / 60000);
  }
  function fromLocalInput(v, tz) {
    if (!v) return '';
    const [d, t] = v.split('T');
    const [Y, M, D] = d.split('-').map(Number);
    const [hh, mm] = t.split(':').map(Number);
    const guess = Date.UTC(Y, M - 1, D, hh, mm);
    let off = offsetAt(guess, tz);
    off = offsetAt(guess - off * 60000, tz);
    const a = Math.abs(off);
    return d + 'T' + pad(hh) + ':' + pad(mm) + ':00' + (off >= 0 ? '+' : '-') + pad(Math.floor(a / 60)) + ':' + pad(a % 60);
  }
  // The box's clock, not the phone's: defaults must make sense to the screen.
  const nowLocal = () => toLocalInput(data.now || new Date().toISOString(), data.tz || 'Asia/Shanghai');

  // A preview image with the size the server will send, so the page does not jump when it arrives.
  function frameImg(screenName) {
    const s = (data.screens || []).find((x) => x.name === screenName) || { width: 192, height: 64 };
    const k = s.width <= 256 ? 3 : s.width <= 512 ? 2 : 1;
    return h('img.frame', { alt: '预览', width: s.width * k, height: s.height * k });
  }
  function sizeImg(img, screenName) {
    const n = frameImg(screenName);
    img.width = n.width;
    img.height = n.height;
  }

  const debounce = (f, ms) => { let t; return (...a) => { clearTimeout(t); t = setTimeout(() => f(...a), ms); }; };

  const logout = $('#logout');
  if (logout) logout.addEventListener('click', async () => { await api('POST', '/api/logout'); location.href = '/login'; });

  const pages = {};

  pages.login = function () {
    const form = $('#login');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const msg = $('#msg');
      msg.textContent = '';
      const r = await api('POST', '/api/login', { user: form.user.value, password: form.password.value });
      if (r.ok) location.href = '/';
      else msg.textContent = errText(r);
    });
  };

  pages.dashboard = function () {
    setInterval(() => {
      for (const img of $$('img.live')) {
        const next = new Image();
        next.onload = () => { img.src = next.src; };
        next.src = img.dataset.src + '?t=' + Date.now();
      }
    }, 2000);
    setInterval(async () => {
      const r = await api('GET', '/api/status');
      if (!r.ok) return;
      for (const s of r.json.screens) {
        const p = $$('p.onair').find((x) => x.dataset.screen === s.name);
        const a = s.on_air;
        if (!p || !a) continue;
        const what = { item: '“' + (a.title || a.item) + '”', notice: '固定通知' + (a.title ? '“' + a.title + '”' : ''), idle: '待机画面（村名和时钟）', off: '关屏' }[a.content] || '';
        p.firstChild.textContent = '正在播放：' + what;
        const until = new Date(a.until);
        if (p.querySelector('small') && !isNaN(until)) p.querySelector('small').textContent = '时段“' + a.slot + '”，到 ' + toLocalInput(a.until, data.tz || 'Asia/Shanghai').slice(11) + ':' + pad(until.getUTCSeconds());
      }
    }, 5000);
  };

  pages.items = function () {
    const form = $('#filters');
    const apply = () => {
      const q = form.q.value.trim().toLowerCase();
      for (const li of $$('#list > li')) {
        const show = (!q || li.dataset.text.includes(q)) && (!form.category.value || li.dataset.category === form.category.value) &&
          (!form.state.value || li.dataset.state === form.state.value);
        li.hidden = !show;
      }
    };
    form.addEventListener('input', apply);
    form.addEventListener('submit', (e) => e.preventDefault());
  };

  const CATEGORIES = [['party', '党务'], ['village', '村务'], ['finance', '财务'], ['notice', '公告']];
  const STATUS_LABEL = { approved: '已审核', pending: '待审核', rejected: '未通过', revoked: '已撤回' };

  function select(options, value, on) {
    return h('select', { onchange: on }, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
  }

  pages.import = function () {
    const form = $('#upload');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('#msg').textContent = '正在读取…';
      const fd = new FormData();
      fd.append('file', form.file.files[0]);
      const r = await api('POST', '/api/import/xlsx', fd);
      if (!r.ok) { $('#msg').textContent = errText(r); return; }
      $('#msg').textContent = '';
      const d = r.json;
      const t = d.item.table;
      const warn = d.warnings.length ? h('ul.diags', {}, d.warnings.map((w) => h('li.warning', {}, w.zh, h('br'), h('small', {}, w.en)))) : h('p.ok', {}, '没有发现问题。');
      const table = h('div.tablewrap', {}, h('table.grid', {}, h('thead', {}, h('tr', {}, t.columns.map((c) => h('th', {}, c)))),
        h('tbody', {}, t.rows.slice(0, 30).map((row) => h('tr', {}, row.map((c, j) => h('td' + (t.align[j] === 'right' ? '.num' : ''), {}, c)))))));
      put($('#result'), h('section.card', {}, h('h2', {}, d.item.title),
        h('p', {}, '工作表“' + d.sheet + '”，' + d.rows + ' 行 × ' + t.columns.length + ' 列。' + d.note.zh), warn, table,
        t.rows.length > 30 ? h('p.hint', {}, '只显示前 30 行。') : null,
        h('button.primary', { type: 'button', onclick: () => { sessionStorage.setItem('yiping-draft', JSON.stringify(d.item)); location.href = '/items/edit?draft=1'; } }, '在编辑器中核对并保存')));
    });
  };

  pages.playlists = function () {
    $('#newlist').addEventListener('submit', (ev) => {
      ev.preventDefault();
      location.href = '/playlists/edit?new=1&name=' + encodeURIComponent(ev.target.name.value.trim());
    });
  };


  pages.reports = function () {
    const form = $('#report');
    const box = $('#edits');
    const load = async () => {
      const r = await api('GET', '/api/edits?from=' + form.from.value + '&to=' + form.to.value);
      if (!r.ok) { put(box, h('p.error', {}, errText(r))); return; }
      const list = r.json.activity;
      if (!list.length) { put(box, h('p', {}, '这段时间没有记录。')); return; }
      const kind = { edit: '修改', login: '登录', login_failed: '登录失败' };
      put(box, h('div.tablewrap', {}, h('table.grid', {}, h('thead', {}, h('tr', {}, ['时间', '用户', '操作', '对象', '审核'].map((t) => h('th', {}, t)))),
        h('tbody', {}, list.map((a) => h('tr', {}, h('td', {}, toLocalInput(a.at, data.tz || 'Asia/Shanghai').slice(5).replace('T', ' ')), h('td', {}, a.user, h('br'), h('small', {}, a.address)),
          h('td', {}, (kind[a.kind] || a.kind) + (a.kind === 'edit' ? (a.old_sha256 ? (a.new_sha256 ? '' : '（删除）') : '（新建）') : '')),
          h('td', {}, a.what ? ({ item: '条目 ', playlist: '播放列表 ', user: '账号 ' }[a.what] || a.what + ' ') + a.name : (a.reason || '')),
          h('td', {}, a.status ? (STATUS_LABEL[a.status] || a.status) + (a.approval_by ? '（' + a.approval_by + '）' : '') : '')))))));
    };
    form.addEventListener('change', load);
    load();
  };

  pages.users = function () {
    const tbody = $('#users tbody');
    const msg = $('#msg');
    const ROLES = [['clerk', '文书'], ['viewer', '查看'], ['admin', '管理员']];
    const load = async () => {
      const r = await api('GET', '/api/users');
      if (!r.ok) { msg.textContent = errText(r); return; }
      put(tbody, ...r.json.users.map((u) => h('tr', {}, h('td', {}, u.name),
        h('td', {}, select(ROLES, u.role, async (e) => { const x = await api('PUT', '/api/users/' + encodeURIComponent(u.name), { role: e.target.value }); if (!x.ok) msg.textContent = errText(x); load(); })),
        h('td', {}, u.name === data.me ? h('span.hint', {}, '（你自己）') : h('button.danger', { type: 'button', onclick: async () => {
          if (!confirm('删除账号 ' + u.name + '？')) return;
          const x = await api('DELETE', '/api/users/' + encodeURIComponent(u.name));
          if (!x.ok) msg.textContent = errText(x);
          load();
        } }, '删除')))));
    };
    $('#adduser').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      const r = await api('POST', '/api/users', { name: f.name.value.trim(), role: f.role.value, password: f.password.value });
      msg.textContent = r.ok ? '' : errText(r);
      if (r.ok) { f.reset(); load(); }
    });
    load();
  };

  // The two editors live in item.js and playlist.js, loaded after this file on their pages only.
  window.yiping = { $, $$, h, put, api, errText, diagList, toLocalInput, fromLocalInput, nowLocal, frameImg, sizeImg, debounce, select, pad, data, pages, CATEGORIES, STATUS_LABEL };
  document.addEventListener('DOMContentLoaded', () => {
    const run = pages[document.body.dataset.page];
    if (run) run();
  });
})();
