using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Scenarios on file locks.</summary>
internal static class LockScenarios
{
    // A file lock: "lock read|write START LENGTH" (blocking), "trylock …", "unlock START LENGTH", "conflict …";
    // answers one line, or the errno name.
    public static int ServeLock(FileLock fileLock)
    {
        using (fileLock)
        {
            return LineServer.Serve(
                words =>
                {
                    switch (words[0])
                    {
                        case "lock":
                            fileLock.Lock(Type(words[1]), Number(words[2]), Number(words[3]));
                            return "locked";
                        case "trylock":
                            return fileLock.TryLock(Type(words[1]), Number(words[2]), Number(words[3])) ? "locked" : "busy";
                        case "unlock":
                            fileLock.Unlock(Number(words[1]), Number(words[2]));
                            return "unlocked";
                        case "conflict":
                            FileLockConflict? conflict = fileLock.GetConflict(Type(words[1]), Number(words[2]), Number(words[3]));
                            return conflict is null ? "none" : $"{conflict.Type.ToString().ToLowerInvariant()} {conflict.Start} {conflict.Length} {conflict.ProcessId}";
                        default:
                            return null;
                    }
                },
                errnoAsAnswer: true);
        }
    }

    private static FileLockType Type(string word) => Enum.Parse<FileLockType>(word, ignoreCase: true);

    private static long Number(string word) => long.Parse(word, CultureInfo.InvariantCulture);
}
