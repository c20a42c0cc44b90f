import { createContext, useContext } from 'react';
import type { Project } from '../features/projects/api/types';
import type { Role } from '../features/auth/api/types';

/** The project the console is working in (from the URL), its time zone and the user's role in it. */
export interface ProjectContextValue {
  project: Project;
  role: Role | undefined;
}
export const ProjectContext = createContext<ProjectContextValue | null>(null);

export function useCurrentProject(): ProjectContextValue {
  const v = useContext(ProjectContext);
  if (!v) throw new Error('useCurrentProject outside a project route');
  return v;
}
