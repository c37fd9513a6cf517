namespace Timely.Bench.Launch;

/// <summary>
/// The part of a line read or written so far, for <see cref="LineSplitter"/> (a child's pipe) and
/// <see cref="LineWriter"/> (process 0's console), which must cut the same text into the same
/// lines: a line ends at '\n', and a '\r' before it is dropped.
/// </summary>
/// <remarks>
/// A buffer of its own, reused line after line, where a <c>StringBuilder</c> made a string of
/// each line: a launched run's process 0 relays every process's lines (200,000 for
/// <c>flow_controlled</c> on two processes), and those strings were its two gen0 collections.
/// </remarks>
internal sealed class PendingLine
{
    private char[] _text = new char[256];
    private int _length;

    /// <summary>Whether anything is pending.</summary>
    public bool IsEmpty => _length == 0;

    public void Append(char value)
    {
        if (_length == _text.Length)
        {
            Enlarge(1);
        }

        _text[_length++] = value;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (text.Length > _text.Length - _length)
        {
            Enlarge(text.Length);
        }

        text.CopyTo(_text.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>The pending text as a line (one '\r' at its end dropped), and nothing pending after; valid until the next append.</summary>
    public ReadOnlySpan<char> Take()
    {
        int length = _length;
        if (length > 0 && _text[length - 1] == '\r')
        {
            length--;
        }

        _length = 0;
        return _text.AsSpan(0, length);
    }

    private void Enlarge(int more) => Array.Resize(ref _text, Math.Max(_text.Length * 2, _length + more));
}
