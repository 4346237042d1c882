using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc ls</c>: every IPC object of the machine, in the spirit of lsipc.</summary>
internal static class ListCommand
{
    public static Command Build(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"message_queues_listed\":…, \"objects\":[…]}." };
        var command = new Command("ls", "List IPC objects: System V (ipcs), POSIX shared memory, semaphores, message queues, channels, named Unix sockets.") { json };
        command.SetAction(CliApp.Handler(console, "ls", "", parse =>
        {
            IReadOnlyList<IpcObjectInfo> objects = IpcObjects.List();
            bool queuesListed = IpcObjects.MessageQueuesListed;
            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, w =>
                {
                    w.WriteBoolean("message_queues_listed", queuesListed);
                    w.WriteStartArray("objects");
                    foreach (IpcObjectInfo o in objects)
                    {
                        w.WriteStartObject();
                        w.WriteString("type", TypeName(o.Kind));
                        w.WriteString("name", o.Name);
                        w.WriteNumber("id", o.Id);
                        w.WriteNumber("uid", o.OwnerUserId);
                        w.WriteString("perms", CliParsers.FormatMode(o.Mode));
                        w.WriteNumber("size", o.Size);
                        w.WriteString("detail", o.Detail);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                console.Out.WriteLine("TYPE     NAME                                 ID        OWNER  PERMS  SIZE        DETAIL");
                foreach (IpcObjectInfo o in objects)
                {
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{TypeName(o.Kind),-8} {CliFormat.Printable(o.Name),-36} {(o.Id < 0 ? "-" : o.Id.ToString(CultureInfo.InvariantCulture)),-9} {o.OwnerUserId,-6} {CliParsers.FormatMode(o.Mode),-6} {(o.Size < 0 ? "-" : o.Size.ToString(CultureInfo.InvariantCulture)),-11} {CliFormat.Printable(o.Detail)}"));
                }

                if (!queuesListed)
                {
                    console.Out.WriteLine("(POSIX message queues are not listed: /dev/mqueue is not mounted; `mount -t mqueue none /dev/mqueue` shows them.)");
                }
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    // lsipc-style short names.
    private static string TypeName(IpcObjectKind kind) => kind switch
    {
        IpcObjectKind.PosixSharedMemory => "pshm",
        IpcObjectKind.Channel => "channel",
        IpcObjectKind.PosixSemaphore => "psem",
        IpcObjectKind.PosixMessageQueue => "mq",
        IpcObjectKind.SystemVSharedMemory => "shm",
        IpcObjectKind.SystemVMessageQueue => "msg",
        IpcObjectKind.SystemVSemaphoreSet => "sem",
        IpcObjectKind.UnixSocket => "uds",
        _ => "?",
    };
}
