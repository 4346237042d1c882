using System.Text;

namespace UnixIpc.Cli;

/// <summary>One line per client served by a listening verb (uds listen, stream listen): who it was and what it sent.</summary>
internal static class ClientReport
{
    public static void Print(CliConsole console, PeerCredentials peer, byte[] received, bool json)
    {
        if (json)
        {
            JsonOutput.WriteObject(console, w =>
            {
                w.WriteNumber("pid", peer.ProcessId);
                w.WriteNumber("uid", peer.UserId);
                w.WriteNumber("gid", peer.GroupId);
                w.WriteNumber("bytes", received.Length);
                w.WriteString("data", Encoding.UTF8.GetString(received));
                w.WriteString("hex", Convert.ToHexStringLower(received));
            });
        }
        else
        {
            string what = received.Length == 0 ? "sent nothing" : $"sent {received.Length} bytes: {CliFormat.Printable(Encoding.UTF8.GetString(received))}";
            console.Out.WriteLine($"peer pid={peer.ProcessId} uid={peer.UserId} gid={peer.GroupId} {what}");
        }

        console.Out.Flush();
    }
}
