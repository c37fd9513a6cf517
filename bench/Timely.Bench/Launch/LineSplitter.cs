using System.Text;

namespace Timely.Bench.Launch;

/// <summary>
/// Cuts a child's output, read in chunks of bytes, into lines (UTF-8; a line ends at '\n', a
/// '\r' before it is dropped), as <see cref="System.Diagnostics.Process.BeginOutputReadLine"/>
/// gave them: a character split across two reads and a line split across many come out whole;
/// what is left at the end of the stream is the last line.
/// </summary>
internal sealed class LineSplitter
{
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly PendingLine _pending = new();
    private char[] _chars = new char[4096];

    /// <summary>Decodes <paramref name="bytes"/> and hands each line it completes to <paramref name="line"/>.</summary>
    public void Append(ReadOnlySpan<byte> bytes, LineAction line)
    {
        int needed = _decoder.GetCharCount(bytes, flush: false);
        if (needed > _chars.Length)
        {
            _chars = new char[needed];
        }

        int count = _decoder.GetChars(bytes, _chars, flush: false);
        int start = 0;
        for (int i = 0; i < count; i++)
        {
            if (_chars[i] == '\n')
            {
                _pending.Append(_chars.AsSpan(start, i - start));
                line(_pending.Take());
                start = i + 1;
            }
        }

        _pending.Append(_chars.AsSpan(start, count - start));
    }

    /// <summary>The stream ended: hands what is left (a last line without its '\n') to <paramref name="line"/>, if anything is.</summary>
    public void End(LineAction line)
    {
        int count = _decoder.GetChars([], _chars, flush: true);
        _pending.Append(_chars.AsSpan(0, count));
        if (!_pending.IsEmpty)
        {
            line(_pending.Take());
        }
    }
}
