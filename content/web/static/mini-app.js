// The contest's Telegram Mini App entry. Telegram opens this page with its signed launch data
// in the address's fragment (#tgWebAppData=...), which the browser never sends to the server:
// post it, and the server answers with the student's own contest page. Nothing is loaded
// from Telegram; the page's security policy allows only this site's own scripts.
(function () {
  "use strict";
  var form = document.getElementById("mini-app");
  if (!form) {
    return;
  }
  var data = new URLSearchParams(window.location.hash.slice(1)).get("tgWebAppData");
  if (!data) {
    document.getElementById("dang-mo").hidden = true;
    document.getElementById("ngoai-telegram").hidden = false;
    return;
  }
  tell("web_app_ready");
  tell("web_app_expand");
  document.getElementById("init-data").value = data;
  form.submit();

  // Telegram's apps listen on a proxy object; its web clients frame the page.
  function tell(eventType) {
    try {
      if (window.TelegramWebviewProxy) {
        window.TelegramWebviewProxy.postEvent(eventType, "{}");
      } else if (window.parent !== window) {
        window.parent.postMessage(JSON.stringify({ eventType: eventType, eventData: {} }), "*");
      }
    } catch (ignored) {
      // Not inside Telegram, or an older app: the page works without telling it.
    }
  }
})();
