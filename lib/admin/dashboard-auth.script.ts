/**
 * The dashboard's requests to the admin API, in the browser: `api(path, init)` is `fetch()`
 * with the browser's own credentials (a session cookie the guard reads) and, once the API has
 * answered 401 or 403, the bearer token the operator typed into the sign-in form. The token is
 * kept for the tab (sessionStorage) and sent on every request, the live stream's included;
 * requests refused meanwhile wait for it and go again. Part of the page script's scope.
 */
export const DASHBOARD_AUTH_SCRIPT = `
  const TOKEN_KEY = 'nestjs-circuit-breaker token ' + base;
  const signin = document.getElementById('signin');
  const signinNote = document.getElementById('signin-note');
  const signinToken = document.getElementById('signin-token');
  let tokenEntered = null;
  let enterToken = () => {};

  function storedToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null; // storage blocked: the browser's own credentials only
    }
  }

  async function api(path, init = {}) {
    for (;;) {
      const token = storedToken();
      const headers = { accept: 'application/json', ...init.headers };
      if (token) headers.authorization = 'Bearer ' + token;
      const response = await fetch(base + path, { ...init, credentials: 'same-origin', headers });
      if (response.status !== 401 && response.status !== 403) return response;
      await response.body?.cancel().catch(() => {});
      await askForToken(response.status, token);
    }
  }

  /** Waits for a token: the one another request has just been given, or the form's. */
  function askForToken(status, refused) {
    if (storedToken() !== refused) return Promise.resolve();
    if (tokenEntered) return tokenEntered;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    signinNote.textContent = refused
      ? 'The admin API refused that token (' + status + '). Enter the admin token again.'
      : 'The admin API answered ' + status + '. Sign in to the application, or enter the admin token.';
    signinToken.value = '';
    signin.hidden = false;
    signinToken.focus();
    tokenEntered = new Promise((resolve) => (enterToken = resolve));
    return tokenEntered;
  }

  signin.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = signinToken.value.trim();
    if (!token) return;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      say('This browser does not let the page keep the token.');
      return;
    }
    signin.hidden = true;
    tokenEntered = null;
    enterToken();
  });
`;
