namespace Timely.Bench.Launch;

/// <summary>
/// Takes one whole line of a process's output, without its '\n': a span valid only for the call
/// (it points into the splitter's or the writer's own buffer), so relaying a line makes no string.
/// </summary>
internal delegate void LineAction(ReadOnlySpan<char> line);
