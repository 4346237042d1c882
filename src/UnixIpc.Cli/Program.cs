using System.Runtime.InteropServices;
using UnixIpc.Cli;

// Ctrl-C (SIGINT) or SIGTERM: the first cancels the verb, which cleans up what it made (a pipeline's stages are
// killed, the tour removes its objects) and exits 130; a second one ends the process at once, as usual.
using var interrupted = new CancellationTokenSource();
PosixSignalRegistration Interrupt(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
{
    if (!interrupted.IsCancellationRequested)
    {
        context.Cancel = true;
        interrupted.Cancel();
    }
});

using PosixSignalRegistration onInterrupt = Interrupt(PosixSignal.SIGINT);
using PosixSignalRegistration onTerminate = Interrupt(PosixSignal.SIGTERM);
return await CliApp.RunAsync(args, CliConsole.FromProcess(), interrupted.Token).ConfigureAwait(false);
