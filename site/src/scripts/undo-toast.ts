/** The stack of undo offers, one line per delete that is still waiting: each undoes its own. */

export interface UndoToast {
  add(key: string, title: string): void;
  remove(key: string): void;
}

export function createUndoToast(container: HTMLElement, onUndo: (key: string) => void): UndoToast {
  const entryFor = (key: string) =>
    [...container.children].find(
      (child): child is HTMLElement => child instanceof HTMLElement && child.dataset.key === key,
    );

  container.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    const key = button?.closest<HTMLElement>(".toast-entry")?.dataset.key;
    if (key) onUndo(key);
  });

  return {
    add(key, title) {
      const entry = document.createElement("div");
      entry.className = "toast-entry";
      entry.dataset.key = key;
      const text = document.createElement("span");
      text.className = "toast-text";
      text.textContent = `Deleted “${title}”.`;
      const undo = document.createElement("button");
      undo.type = "button";
      undo.className = "link";
      undo.textContent = "Undo";
      undo.setAttribute("aria-label", `Undo deleting “${title}”`);
      entry.append(text, undo);
      container.append(entry);
      container.hidden = false;
    },
    remove(key) {
      const entry = entryFor(key);
      // Focus inside a vanishing entry moves to the next offer rather than to the page's top.
      const hadFocus = entry?.contains(document.activeElement) ?? false;
      entry?.remove();
      container.hidden = container.children.length === 0;
      if (hadFocus) container.querySelector<HTMLElement>("button")?.focus();
    },
  };
}
