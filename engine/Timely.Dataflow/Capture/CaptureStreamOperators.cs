using Timely.Bytes;

namespace Timely.Dataflow.Capture;

/// <summary>
/// Capture straight into a <see cref="System.IO.Stream"/> (a file, a socket's stream): the
/// <see cref="EventWriter{T, TData}"/> is made with the captured stream's types, so none are
/// named, as Rust infers <c>EventWriter::new(file)</c>'s.
/// </summary>
public static class CaptureStreamOperators
{
    /// <summary>
    /// Captures <paramref name="stream"/> on this worker into <paramref name="output"/> in Rust
    /// timely's format, through a new <see cref="EventWriter{T, TData}"/>. When the captured
    /// stream is complete the writer flushes and closes <paramref name="output"/> (unless
    /// <paramref name="leaveOpen"/>), as <see cref="CaptureOperators.CaptureInto{T, TData}"/> does.
    /// </summary>
    /// <param name="stream">The stream to record.</param>
    /// <param name="output">Where the events go; the capture owns it unless <paramref name="leaveOpen"/>.</param>
    /// <param name="leaveOpen">True: only flush <paramref name="output"/> at the end, never close it.</param>
    /// <returns>The writer, for a caller that wants to <see cref="EventWriter{T, TData}.Flush"/> it while the dataflow runs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="output"/> is null.</exception>
    public static EventWriter<T, TData> CaptureInto<[WireEncoded] T, [WireEncoded] TData>(this Stream<T, TData> stream, System.IO.Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var writer = new EventWriter<T, TData>(output, leaveOpen);
        stream.CaptureInto(writer);
        return writer;
    }
}
