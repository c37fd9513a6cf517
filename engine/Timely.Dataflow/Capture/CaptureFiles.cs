using Timely.Bytes;

namespace Timely.Dataflow.Capture;

/// <summary>Whole capture files read and checked before a replay, so a bad file fails up front with a clear message.</summary>
public static class CaptureFiles
{
    /// <summary>
    /// Reads every event of the file at <paramref name="path"/> and checks the replay protocol
    /// (<see cref="CaptureProtocol"/>, complete stream). Throws <see cref="InvalidDataException"/>
    /// starting with the path for a missing file, a directory, a corrupt or truncated record (with its byte
    /// offset) or a stream that breaks the protocol or stops before its counts are retired
    /// (a file cut at a record boundary).
    /// </summary>
    public static List<Event<T, TData>> ReadChecked<[WireEncoded] T, [WireEncoded] TData>(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"{path}: is a directory, not a capture file");
        }

        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such file");
        }

        var events = new List<Event<T, TData>>();
        using (var reader = new EventReader<T, TData>(File.OpenRead(path)))
        {
            try
            {
                while (reader.TryNext(out var e))
                {
                    events.Add(e);
                }
            }
            catch (WireFormatException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
        }

        CaptureProtocol.Validate(events, complete: true, path);
        return events;
    }
}
