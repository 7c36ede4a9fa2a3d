/** Recovery codes, shown once: the person keeps them before going on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  return (
    <div className="stack" role="region" aria-labelledby="recovery-codes">
      <h3 id="recovery-codes">Your recovery codes</h3>
      <p>
        Each code signs you in once when you do not have your app. Keep them somewhere safe: they
        are shown only now.
      </p>
      <ul className="codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={onDone}>
          I have saved my recovery codes
        </button>
      </div>
    </div>
  );
}
