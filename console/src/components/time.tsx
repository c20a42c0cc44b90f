import { formatTime } from '../lib/time';
import { useCurrentProject } from '../lib/project-context';

/** An instant in the current project's time zone, zone named; the machine-readable value in <time dateTime>. */
export function Time({ value }: { value: string | number | null | undefined }) {
  const { project } = useCurrentProject();
  if (value === null || value === undefined) return <span>—</span>;
  const iso = new Date(value).toISOString();
  return (
    <time dateTime={iso} style={{ whiteSpace: 'nowrap' }}>
      {formatTime(value, project.timezone)}
    </time>
  );
}
