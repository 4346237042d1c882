using System.Text.Json;

namespace UnixIpc.Cli;

/// <summary>Writes one JSON object per line with Utf8JsonWriter (no reflection, so trimming and AOT stay possible).</summary>
internal static class JsonOutput
{
    public static void WriteObject(CliConsole console, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping: this is terminal and pipe output, not HTML, so "+" and non-ASCII stay readable.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void WriteNullableTime(this Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is DateTimeOffset t)
        {
            writer.WriteNumber(name, t.ToUnixTimeSeconds());
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
