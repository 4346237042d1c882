using System.CommandLine;
using System.Globalization;

namespace UnixIpc.Cli;

/// <summary><c>unixipc limits</c>: the kernel's IPC limits and their use, in the spirit of ipcs -l / lsipc --global.</summary>
internal static class LimitsCommand
{
    public static Command Build(CliConsole console)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"limits\":[{mechanism,name,value,used,source,description}, …]}." };
        var command = new Command("limits", "Show the kernel's IPC limits, how much of each is in use, and where each is raised.") { json };
        command.SetAction(CliApp.Handler(console, "limits", "", parse =>
        {
            IReadOnlyList<IpcLimit> limits = IpcLimits.Read();
            if (parse.GetValue(json))
            {
                JsonOutput.WriteObject(console, w =>
                {
                    w.WriteStartArray("limits");
                    foreach (IpcLimit l in limits)
                    {
                        w.WriteStartObject();
                        w.WriteString("mechanism", l.Mechanism);
                        w.WriteString("name", l.Name);
                        WriteOptional(w, "value", l.Value);
                        WriteOptional(w, "used", l.Used);
                        w.WriteString("source", l.Source);
                        w.WriteString("description", l.Description);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                });
            }
            else
            {
                console.Out.WriteLine("MECH  NAME              VALUE                 USED        SOURCE                               DESCRIPTION");
                foreach (IpcLimit l in limits)
                {
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{l.Mechanism,-5} {l.Name,-17} {l.Value?.ToString(CultureInfo.InvariantCulture) ?? "unlimited",-21} {l.Used?.ToString(CultureInfo.InvariantCulture) ?? "-",-11} {l.Source,-36} {l.Description}"));
                }
            }

            return CliExitCode.Success;
        }));
        return command;
    }

    private static void WriteOptional(System.Text.Json.Utf8JsonWriter w, string name, ulong? value)
    {
        if (value is ulong v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
