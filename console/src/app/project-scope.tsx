import { Outlet, useParams } from 'react-router';
import { QueryState } from '../components/query-state';
import { ProjectContext } from '../lib/project-context';
import { useSession } from '../features/auth/api/get-session';
import { roleIn } from '../features/auth/api/types';
import { useProject } from '../features/projects/api/get-project';

/** Loads the project named in the URL and provides it (time zone, the user's role) to every page inside. */
export function ProjectScope() {
  const { projectId = '' } = useParams();
  const project = useProject(projectId);
  const session = useSession();
  return (
    <QueryState isPending={project.isPending} error={project.error}>
      {project.data && (
        <ProjectContext.Provider value={{ project: project.data, role: roleIn(session.data?.user, project.data.id) }}>
          <Outlet />
        </ProjectContext.Provider>
      )}
    </QueryState>
  );
}
