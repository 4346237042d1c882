using System.Globalization;
using System.Runtime.InteropServices;
using UnixIpc;

namespace UnixIpc.Tests;

/// <summary>Scenarios on POSIX semaphores and System V semaphore sets.</summary>
internal static class SemaphoreScenarios
{
    // A named POSIX semaphore: "wait" (blocking), "trywait", "post", "value"; each answers one line.
    public static int ServeSemaphore(PosixSemaphore semaphore)
    {
        using (semaphore)
        {
            return ServeSemaphoreCommands(semaphore);
        }
    }

    // An unnamed process-shared semaphore at OFFSET of POSIX shared memory NAME.
    public static int ServeSemaphoreInSharedMemory(string name, long offset)
    {
        using PosixSharedMemory shm = PosixSharedMemory.OpenExisting(name);
        using MappedRegion region = shm.Map();
        using PosixSemaphore semaphore = PosixSemaphore.At(region, offset);
        return ServeSemaphoreCommands(semaphore);
    }

    // "wait" (blocking), "trywait", "post", "value"; each answers one line.
    private static int ServeSemaphoreCommands(PosixSemaphore semaphore) => LineServer.Serve(words => words[0] switch
    {
        "wait" => Taken(semaphore),
        "trywait" => semaphore.TryWait() ? "taken" : "busy",
        "post" => Posted(semaphore),
        "value" => semaphore.Value.ToString(CultureInfo.InvariantCulture),
        _ => null,
    });

    private static string Taken(PosixSemaphore semaphore)
    {
        semaphore.Wait();
        return "taken";
    }

    private static string Posted(PosixSemaphore semaphore)
    {
        semaphore.Release();
        return "posted";
    }

    // A System V semaphore set: "op I:D[u],..." applies atomically (u = SEM_UNDO) and answers "done" or the
    // errno name (EIDRM when the set is removed meanwhile); "value I".
    public static int ServeSemaphoreSet(SystemVSemaphoreSet set) => LineServer.Serve(
        words =>
        {
            switch (words[0])
            {
                case "op":
                    set.Apply(words[1].Split(',').Select(ParseOperation).ToArray());
                    return "done";
                case "value":
                    return set.GetValue(int.Parse(words[1], CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture);
                default:
                    return null;
            }
        },
        errnoAsAnswer: true);

    private static SemaphoreOperation ParseOperation(string text)
    {
        bool undo = text.EndsWith('u');
        string[] parts = text.TrimEnd('u').Split(':');
        return new SemaphoreOperation(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), undo);
    }

    public static SystemVSemaphoreSet SemaphoreSetById(string id) => SystemVSemaphoreSet.FromId(int.Parse(id, CultureInfo.InvariantCulture));
}
