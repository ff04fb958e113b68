// Runs a command inside a running container and returns its exit code (turtle's exec health probe).
import type Dockerode from 'dockerode';
import { attempt, type EngineContext } from './_context.js';

export async function execIn(ctx: EngineContext, id: string, command: readonly string[], timeoutMs: number): Promise<number> {
  return attempt(ctx, `run a command in container ${id}`, async () => {
    const exec = await ctx.docker.getContainer(id).exec({ Cmd: [...command], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const timer = setTimeout(() => stream.destroy(), timeoutMs);
    try {
      stream.resume();
      await new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
    } finally {
      clearTimeout(timer);
    }
    const info = (await exec.inspect()) as Dockerode.ExecInspectInfo;
    // still running after the timeout counts as a failure, like Docker's own checks
    return info.Running ? -1 : (info.ExitCode ?? -1);
  });
}
