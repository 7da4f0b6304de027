// Tollgate's name mark: a toll barrier (post and striped boom) beside the name. The same drawing
// is the favicon (web/public/favicon.svg).
export function NameMark() {
  return (
    <span className="mark">
      <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="7" className="mark-tile" />
        <rect x="5" y="8" width="5" height="19" rx="1.5" className="mark-post" />
        <path d="M10 11.5h17.5a1.5 1.5 0 0 1 0 3H10z" className="mark-post" />
        <path d="M14 11.5h3l-1.5 3h-3zM21 11.5h3l-1.5 3h-3z" className="mark-stripe" />
      </svg>
      <span className="mark-name">Tollgate</span>
    </span>
  );
}
