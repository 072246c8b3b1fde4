// Progressive enhancement of the chat form: ask /api/chat (streaming when the server streams), stay on the
// page. Without JavaScript the form posts to /chat and the server renders the answer.
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var log = document.getElementById("chat-log");
  if (!form || !window.fetch) return;

  function bubble(cls, text) {
    var li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    log.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }

  function post(body) {
    return fetch("/api/chat", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream, application/json" },
      body: JSON.stringify(body),
    });
  }

  // Apply one server-sent event to the answer bubble: a delta appends, a full answer replaces.
  function applyEvent(out, data) {
    if (data === "[DONE]") return;
    var msg;
    try { msg = JSON.parse(data); } catch (e) { out.textContent += data; return; }
    if (typeof msg === "string") { out.textContent += msg; return; }
    var delta = msg.delta || msg.token || msg.text || msg.content;
    if (typeof delta === "string") out.textContent += delta;
    if (typeof msg.answer === "string") out.textContent = msg.answer;
    if (msg.mode) out.dataset.mode = msg.mode;
    if (msg.error && msg.error.message) out.textContent = msg.error.message;
    if (msg.code && msg.message && msg.answer === undefined) out.textContent = msg.message; // `error` event
  }

  async function readStream(res, out) {
    var reader = res.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      var events = buffer.split("\n\n");
      buffer = events.pop();
      events.forEach(function (ev) {
        var data = ev.split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
          .map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
        if (data) applyEvent(out, data);
      });
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    bubble("me", text);
    input.value = "";
    var out = bubble("bot pending", "…");
    out.setAttribute("data-testid", "chat-answer");
    try {
      var res = await post({ message: text, stream: true });
      if (res.status === 422) res = await post({ message: text }); // server without streaming
      var type = res.headers.get("content-type") || "";
      out.textContent = "";
      if (res.ok && type.indexOf("text/event-stream") === 0 && res.body) {
        await readStream(res, out);
      } else {
        var body = await res.json();
        out.textContent = res.ok ? body.answer : (body.error && body.error.message) || "Error";
        if (body.mode) out.dataset.mode = body.mode;
      }
    } catch (e) {
      out.textContent = "The assistant could not be reached. Figures on the dashboard still work.";
    }
    out.className = "bot";
  });
})();
