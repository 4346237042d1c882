namespace UnixIpc.Tests;

/// <summary>
/// The protocol of every serving scenario: print READY, then answer each stdin line (words split on spaces)
/// with exactly one line, until "exit" (exit 0) or the end of input. An unknown command (the answer is null)
/// goes to stderr and ends with exit 1; with <c>errnoAsAnswer</c>, a kernel refusal is answered with its
/// errno name (EIDRM when the object is removed under a blocked call), else it ends the scenario.
/// </summary>
internal static class LineServer
{
    public static int Serve(Func<string[], string?> answer, bool errnoAsAnswer = false)
    {
        Console.WriteLine("READY");
        string? line;
        while ((line = Console.ReadLine()) is not null)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["exit"])
            {
                return 0;
            }

            string? reply;
            try
            {
                reply = words.Length == 0 ? null : answer(words);
            }
            catch (UnixIpcException e) when (errnoAsAnswer)
            {
                reply = e.Error.ToString();
            }

            if (reply is null)
            {
                Console.Error.WriteLine($"unknown command {line}");
                return 1;
            }

            Console.WriteLine(reply);
        }

        return 0;
    }
}
