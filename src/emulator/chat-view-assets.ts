// Page styles and the small inline script of the chat view. The script is plain ES2017 in a
// string (no build step); it talks only to the emulator's own routes: /__emulator/click,
// /__emulator/messages, /__emulator/login|logout, /__emulator/users, /__emulator/view,
// /__emulator/sample-alert and the SSE stream /__emulator/stream. Every HTML fragment it inserts
// was escaped by the server.

export const CHAT_VIEW_CSS = `
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font:14px/22px -apple-system,BlinkMacSystemFont,"Helvetica Neue","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2329;background:#f5f6f7;display:flex;flex-direction:column}
.top{display:flex;align-items:center;gap:16px;padding:8px 16px;background:#fff;border-bottom:1px solid #dee0e3}
.brand{font-weight:600;margin-right:auto}
.live{font-size:10px;color:#bbbfc4}.live[data-live=on]{color:#34c724}
.pick{display:flex;align-items:center;gap:6px;color:#646a73}
.pick select{font:inherit;padding:3px 6px;border:1px solid #d0d3d6;border-radius:6px;background:#fff}
.app{flex:1;display:flex;min-height:0}
.chats{width:270px;flex:0 0 270px;background:#fff;border-right:1px solid #dee0e3;overflow-y:auto}
.section{padding:12px 16px 4px;font-size:12px;color:#8f959e}
.none{padding:4px 16px;color:#8f959e;font-size:12px}
.chat-item{display:flex;gap:10px;padding:8px 12px;margin:0 6px;border-radius:6px;color:inherit;text-decoration:none}
.chat-item:hover{background:#f2f3f5}.chat-item.active{background:#e1eaff}
.chat-item.disbanded{opacity:.55}.chat-item.unread .chat-name{font-weight:600}
.chat-item.unread .chat-name::after{content:" ●";color:#3370ff;font-size:10px}
.chat-text{display:flex;flex-direction:column;min-width:0}
.chat-name{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.chat-name em{color:#8f959e;font-style:normal;font-size:12px}
.preview{font-size:12px;line-height:18px;color:#8f959e;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.avatar{flex:0 0 36px;width:36px;height:36px;border-radius:50%;background:#7f8fa6;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:600}
.avatar-bot,.chats [data-dm] .avatar{background:#3370ff}
.pane{flex:1;display:flex;flex-direction:column;min-width:0}
.pane-head{padding:10px 20px;background:#fff;border-bottom:1px solid #dee0e3}
.pane-title{font-size:16px;font-weight:600}.pane-sub{font-size:12px;color:#8f959e}
.pins{background:#fff8e6;border-bottom:1px solid #f0d9a8;padding:6px 20px;max-height:40%;overflow-y:auto}
.pins-label{font-size:12px;color:#8f6a1a;margin-bottom:4px;cursor:pointer;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.messages{flex:1;overflow-y:auto;padding:16px 20px;display:flex;flex-direction:column;gap:16px}
.empty{color:#8f959e;text-align:center;margin-top:40px}
.msg{display:flex;gap:10px}
.msg-main{min-width:0;flex:1;max-width:620px}
.meta{display:flex;align-items:center;gap:6px;font-size:12px;color:#8f959e;margin-bottom:4px}
.who{color:#51565d}.badge{background:#e1eaff;color:#245bdb;border-radius:3px;padding:0 4px;font-size:11px;line-height:16px}
.edited{font-style:italic}
.urgent{margin-left:6px;padding:0 6px;border-radius:8px;background:#fff1e8;color:#c2410c;font-weight:600}
.reply-btn{visibility:hidden;border:0;background:none;color:#3370ff;font:inherit;cursor:pointer;padding:0 4px}
.msg:hover .reply-btn{visibility:visible}
.quote{font-size:12px;color:#646a73;border-left:2px solid #d0d3d6;padding-left:6px;margin-bottom:4px}
.bubble{display:inline-block;background:#fff;border:1px solid #dee0e3;border-radius:8px;padding:6px 12px;overflow-wrap:anywhere;max-width:100%}
.from-app .bubble{background:#e1eaff;border-color:#c9d8ff}.bubble.deleted{color:#8f959e;font-style:italic}
.msg.flash .lk-card{animation:flash 1.2s ease-out}
@keyframes flash{from{box-shadow:0 0 0 3px #3370ff}to{box-shadow:0 0 0 0 transparent}}
.lk-btn.busy{opacity:.6}
.composer{background:#fff;border-top:1px solid #dee0e3;padding:10px 20px}
.bot-menu{background:#fff;border-top:1px solid #dee0e3;padding:6px 20px 0;display:flex;gap:6px;flex-wrap:wrap}
.compose-row{display:flex;gap:8px;align-items:center}
.composer input#text{flex:1;font:inherit;padding:6px 10px;border:1px solid #d0d3d6;border-radius:6px}
.mention{color:#3370ff;white-space:nowrap;display:flex;gap:4px;align-items:center}
.replying{font-size:12px;color:#646a73;margin-bottom:6px}.replying button{border:0;background:none;cursor:pointer;font-size:14px}
.toasts{position:fixed;top:56px;left:50%;transform:translateX(-50%);display:flex;flex-direction:column;gap:8px;z-index:10}
.toast{background:#fff;border-radius:8px;padding:8px 16px;box-shadow:0 6px 24px rgba(31,35,41,.16);border-left:4px solid #3370ff;max-width:480px}
.toast-success{border-color:#34c724}.toast-warning{border-color:#ff8800}.toast-error{border-color:#f54a45}
@media (max-width:900px){.chats{width:210px;flex-basis:210px}.top{gap:10px}.pick{font-size:13px}.messages{padding:12px}}
dialog{border:0;border-radius:8px;box-shadow:0 6px 24px rgba(31,35,41,.2);max-width:420px;white-space:pre-line}
`;

export const CHAT_VIEW_SCRIPT = String.raw`
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('emu-cfg').textContent);
  var list = document.getElementById('messages');
  var pins = document.getElementById('pins');
  var nav = document.getElementById('chats');
  var replyTo = null;

  function toast(text, type) {
    var el = document.createElement('div');
    el.className = 'toast toast-' + (type || 'info');
    el.setAttribute('role', 'status');
    el.textContent = text;
    document.getElementById('toasts').appendChild(el);
    setTimeout(function () { el.remove(); }, 4000);
  }
  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, status: r.status, body: j }; });
      });
  }
  function localTimes(root) {
    root.querySelectorAll('time[data-ts]').forEach(function (t) {
      t.textContent = new Date(Number(t.getAttribute('data-ts'))).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    });
  }
  function fragment(html) {
    var t = document.createElement('template');
    t.innerHTML = html;
    localTimes(t.content);
    return t.content;
  }
  function nearBottom() { return list.scrollHeight - list.scrollTop - list.clientHeight < 120; }
  function scrollDown() { list.scrollTop = list.scrollHeight; }
  function markActive() {
    nav.querySelectorAll('.chat-item').forEach(function (a) {
      var on = (cfg.chatId && a.getAttribute('data-chat-id') === cfg.chatId) || (cfg.dm && a.getAttribute('data-dm') === cfg.dm);
      a.classList.toggle('active', !!on);
      if (on) a.classList.remove('unread');
    });
  }
  function isCurrent(d) { return (cfg.chatId && d.chat_id === cfg.chatId) || (cfg.dm && d.p2p_open_id === cfg.dm); }
  function navItem(d) {
    return nav.querySelector('[data-chat-id="' + CSS.escape(d.chat_id) + '"]') ||
      (d.p2p_open_id ? nav.querySelector('[data-dm="' + CSS.escape(d.p2p_open_id) + '"]') : null);
  }
  function setPins(html) {
    pins.replaceChildren(fragment(html || ''));
    pins.hidden = !html;
    pins.scrollTop = 0;
  }
  function refreshPins() {
    var q = cfg.chatId ? 'chat=' + encodeURIComponent(cfg.chatId) : '';
    if (!q) return;
    fetch('/__emulator/view?' + q + '&lang=' + cfg.lang).then(function (r) { return r.json(); }).then(function (v) { setPins(v.pins); });
  }
  function refresh() {
    var q = cfg.chatId ? 'chat=' + encodeURIComponent(cfg.chatId) : cfg.dm ? 'dm=' + encodeURIComponent(cfg.dm) : '';
    return fetch('/__emulator/view?' + q + '&lang=' + cfg.lang).then(function (r) { return r.json(); }).then(function (v) {
      if (v.chat_id) cfg.chatId = v.chat_id;
      list.replaceChildren(fragment(v.messages));
      setPins(v.pins);
      nav.replaceChildren(fragment(v.sidebar));
      markActive();
      scrollDown();
    });
  }

  // Who am I: the emulator's browser login (also what its OAuth page approves as).
  document.getElementById('who').addEventListener('change', function (e) {
    var id = e.target.value;
    fetch(id ? '/__emulator/login?open_id=' + encodeURIComponent(id) : '/__emulator/logout').then(function () { location.reload(); });
  });
  document.getElementById('who').addEventListener('focus', function (e) {
    var sel = e.target;
    fetch('/__emulator/users').then(function (r) { return r.json(); }).then(function (v) {
      var known = {};
      sel.querySelectorAll('option').forEach(function (o) { known[o.value] = true; });
      v.items.forEach(function (u) {
        if (known[u.open_id]) return;
        var o = document.createElement('option');
        o.value = u.open_id;
        o.textContent = u.name + (u.email ? ' (' + u.email + ')' : '');
        sel.appendChild(o);
      });
    });
  });
  document.getElementById('lang').addEventListener('change', function (e) {
    document.cookie = 'lark_emulator_lang=' + e.target.value + '; path=/; samesite=lax';
    location.reload();
  });

  function askConfirm(text) {
    var dlg = document.getElementById('confirm');
    document.getElementById('confirm-text').textContent = text;
    return new Promise(function (resolve) {
      dlg.addEventListener('close', function once() { dlg.removeEventListener('close', once); resolve(dlg.returnValue === 'ok'); });
      dlg.returnValue = '';
      dlg.showModal();
    });
  }

  // A card's standalone input: Enter → card.action.trigger with input_value.
  list.addEventListener('keydown', function (e) {
    var input = e.target.closest && e.target.closest('input[data-lk-input]');
    if (!input || e.key !== 'Enter' || !input.value.trim()) return;
    if (!cfg.me) { toast('Pick who you are first (top right).', 'warning'); return; }
    var value = {};
    try { value = JSON.parse(input.getAttribute('data-value') || '{}'); } catch (_) { /* keep {} */ }
    input.disabled = true;
    post('/__emulator/click', {
      message_id: input.closest('[data-message-id]').getAttribute('data-message-id'), operator_open_id: cfg.me,
      value: value, tag: 'input', input_value: input.value.trim()
    }).then(function (r) {
      if (!r.ok) { toast((r.body && r.body.error) || 'HTTP ' + r.status, 'error'); return; }
      var t = r.body.response && r.body.response.toast;
      if (t) toast((t.i18n && t.i18n[cfg.lang]) || t.content || '', t.type);
    }, function (err) { toast(String(err), 'error'); })
      .then(function () { input.disabled = false; });
  });

  // Card buttons → card.action.trigger as the chosen person, through POST /__emulator/click.
  function onClick(e) {
    var reply = e.target.closest('.reply-btn');
    if (reply) {
      var m = reply.closest('[data-message-id]');
      replyTo = m.getAttribute('data-message-id');
      var box = document.getElementById('replying');
      box.hidden = false;
      box.querySelector('span').textContent = 'Replying to ' + m.querySelector('.who').textContent + ' ';
      document.getElementById('text').focus();
      return;
    }
    var btn = e.target.closest('button[data-lk-action]');
    if (!btn || btn.disabled) return;
    if (!cfg.me) { toast('Pick who you are first (top right).', 'warning'); return; }
    var msg = btn.closest('[data-message-id]');
    var value = {};
    try { value = JSON.parse(btn.getAttribute('data-value') || '{}'); } catch (_) { /* keep {} */ }
    // A form's submit button: every named field of the form as form_value; a required one left
    // empty stops the submission as the Lark client does.
    var form = btn.getAttribute('data-submit') ? btn.closest('[data-lk-form]') : null;
    var formValue;
    if (form) {
      formValue = {};
      var fields = form.querySelectorAll('[data-lk-field]');
      for (var i = 0; i < fields.length; i++) {
        if (fields[i].required && !fields[i].value.trim()) { fields[i].focus(); toast('Fill in the required fields first.', 'warning'); return; }
        formValue[fields[i].getAttribute('data-lk-field')] = fields[i].value;
      }
    }
    var ask = btn.getAttribute('data-confirm');
    (ask ? askConfirm(ask) : Promise.resolve(true)).then(function (go) {
      if (!go) return;
      btn.disabled = true;
      btn.classList.add('busy');
      return post('/__emulator/click', {
        message_id: msg.getAttribute('data-message-id'), operator_open_id: cfg.me, value: value,
        name: btn.getAttribute('data-name') || undefined, form_value: formValue
      }).then(function (r) {
        if (!r.ok) { toast((r.body && r.body.error) || 'HTTP ' + r.status, 'error'); return; }
        var t = r.body.response && r.body.response.toast;
        if (t) toast((t.i18n && t.i18n[cfg.lang]) || t.content || '', t.type);
      }, function (err) { toast(String(err), 'error'); })
        .then(function () { btn.disabled = false; btn.classList.remove('busy'); });
    });
  }
  list.addEventListener('click', onClick);
  pins.addEventListener('click', onClick);

  document.getElementById('cancel-reply').addEventListener('click', function () {
    replyTo = null;
    document.getElementById('replying').hidden = true;
  });
  var menu = document.getElementById('bot-menu');
  if (menu) menu.addEventListener('click', function (e) {
    var key = e.target && e.target.getAttribute && e.target.getAttribute('data-menu-key');
    if (!key || !cfg.me) return;
    post('/__emulator/menu', { open_id: cfg.me, event_key: key }).then(function (r) {
      if (!r.ok) toast((r.body && r.body.error) || 'HTTP ' + r.status, 'error');
    });
  });
  document.getElementById('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = document.getElementById('text');
    var text = input.value.trim();
    if (!text || !cfg.me) return;
    var mention = document.getElementById('mention');
    var body = cfg.dm ? { p2p_open_id: cfg.dm, text: text } :
      { chat_id: cfg.chatId, sender_open_id: cfg.me, text: text, mention_bot: !!(mention && mention.checked) };
    if (replyTo) body.parent_id = replyTo;
    post('/__emulator/messages', body).then(function (r) {
      if (!r.ok) { toast((r.body && r.body.error) || 'HTTP ' + r.status, 'error'); return; }
      input.value = '';
      replyTo = null;
      document.getElementById('replying').hidden = true;
      if (r.body.chat_id) cfg.chatId = r.body.chat_id;
    });
  });

  var sample = document.getElementById('sample-alert');
  if (sample) sample.addEventListener('click', function () {
    sample.disabled = true;
    post('/__emulator/sample-alert', {}).then(function (r) {
      toast(r.ok ? r.body.message : (r.body.error || 'HTTP ' + r.status), r.ok ? 'success' : 'error');
    }).then(function () { sample.disabled = false; });
  });

  // Live updates. Each (re)connection reloads the open chat, so nothing sent in between is missed.
  var live = document.getElementById('live');
  var es = new EventSource('/__emulator/stream?lang=' + cfg.lang);
  es.onopen = function () { refresh().then(function () { live.setAttribute('data-live', 'on'); }); };
  es.onerror = function () { live.setAttribute('data-live', 'off'); };
  es.addEventListener('msg', function (e) {
    var d = JSON.parse(e.data);
    var item = navItem(d);
    if (item) {
      item.querySelector('.preview').textContent = d.preview.slice(0, 90);
      if (!isCurrent(d) && d.kind === 'created') item.classList.add('unread');
    }
    if (!isCurrent(d)) return;
    if (!cfg.chatId) cfg.chatId = d.chat_id;
    // A message the bot sent to my private chat, shown while I look at it, is read (Lark's read receipt).
    if (d.kind === 'created' && d.sender_type === 'app' && cfg.me && cfg.dm === cfg.me) post('/__emulator/read', { open_id: cfg.me, message_id: d.message_id });
    if (pins.querySelector('[data-message-id="' + CSS.escape(d.message_id) + '"]')) refreshPins();
    var old = list.querySelector('[data-message-id="' + CSS.escape(d.message_id) + '"]');
    var node = fragment(d.html).firstElementChild;
    if (old) {
      old.replaceWith(node);
      node.classList.add('flash');
    } else {
      var stick = nearBottom();
      var empty = list.querySelector('.empty');
      if (empty) empty.remove();
      list.appendChild(node);
      if (stick || d.sender_type === 'user') scrollDown();
    }
  });
  es.addEventListener('chats', function (e) {
    var d = JSON.parse(e.data);
    nav.replaceChildren(fragment(d.sidebar));
    markActive();
    if (d.chat_id && d.chat_id === cfg.chatId) refreshPins();
  });
  es.addEventListener('reset', function () { location.reload(); });

  // Card charts (tag "chart"): drawn with VChart, as Lark clients do, when they appear or are replaced.
  function drawCharts() {
    if (!window.VChart) return;
    document.querySelectorAll('.lk-chart:not([data-drawn])').forEach(function (el) {
      el.setAttribute('data-drawn', '1');
      try {
        var spec = JSON.parse(el.getAttribute('data-spec'));
        var chart = new window.VChart.VChart(Object.assign({ animation: false }, spec), { dom: el, mode: 'desktop-browser' });
        chart.renderSync();
        el.setAttribute('data-drawn', 'ok');
        var alt = el.querySelector('.lk-chart-alt');
        if (alt) alt.remove();
      } catch (err) {
        el.setAttribute('data-drawn', 'error');
        el.setAttribute('title', String(err && err.message || err));
      }
    });
  }
  new MutationObserver(drawCharts).observe(document.body, { childList: true, subtree: true });

  localTimes(document);
  markActive();
  scrollDown();
  drawCharts();
})();
`;
