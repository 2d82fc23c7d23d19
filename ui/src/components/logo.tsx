/** The PopugJira parrot, drawn inline so no asset request is needed. */
export function Logo({ size = 32 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <circle cx="16" cy="16" r="16" fill="var(--accent)" />
      <path
        d="M9 21c0-6.6 3.9-11.5 9.6-11.5 3.3 0 5.4 1.9 5.4 4.6 0 1.2-.4 2.2-1 3.1L20 21.5H9z"
        fill="#fff"
      />
      <path d="M19.4 9.6c2.7-.6 5.2.3 5.6 2.6l-2.4 1.4c-.5-1.5-1.7-2.5-3.2-4z" fill="#ffb703" />
      <circle cx="18.7" cy="13.6" r="1.4" fill="#1b2a22" />
      <path d="M11 21.5l-1.6 4.5 3.8-4.5zM15 21.5l-.4 4.7 2.6-4.7z" fill="#ffffff" opacity=".85" />
    </svg>
  );
}
