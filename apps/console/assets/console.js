// The console works without this script; it only adds a keyboard shortcut: "/" moves to the search field.
document.addEventListener('keydown', (event) => {
  if (event.key !== '/' || event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
  const field = document.querySelector('[data-focus-key="/"]');
  if (field) {
    event.preventDefault();
    field.focus();
  }
});
