using System.Text;

namespace UnixIpc.Cli;

/// <summary>How received messages are printed: raw bytes one after another, or one JSON object per line.</summary>
internal static class MessageOutput
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes one message; <paramref name="label"/> is ("priority", P) or ("type", T); <paramref name="lost"/>, when given, joins the JSON object as "lost".</summary>
    public static void Write(CliConsole console, ReadOnlySpan<byte> data, string label, long value, bool json, long? lost = null)
    {
        if (!json)
        {
            console.WriteBytes(data);
            return;
        }

        string? text = TryDecode(data);
        byte[] copy = data.ToArray();
        JsonOutput.WriteObject(console, w =>
        {
            w.WriteNumber(label, value);
            w.WriteNumber("size", copy.Length);
            if (lost is long skipped)
            {
                w.WriteNumber("lost", skipped);
            }

            if (text is not null)
            {
                w.WriteString("text", text);
            }

            w.WriteString("base64", Convert.ToBase64String(copy));
        });
    }

    private static string? TryDecode(ReadOnlySpan<byte> data)
    {
        try
        {
            return StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
