namespace Timely.Bench.Suite;

/// <summary>
/// A <c>--filter</c> glob held to a row's whole text: <c>*</c> is any run of characters (none
/// included), <c>?</c> one character, every other character itself, compared as
/// <see cref="StringComparison.OrdinalIgnoreCase"/> compares (the filter's substring form).
/// </summary>
/// <remarks>
/// It was <c>Regex.IsMatch</c> over the escaped filter (<c>*</c> as <c>.*</c>, <c>?</c> as
/// <c>.</c>), the one regular expression of <c>timely</c> built at run time; a property holds this
/// to that regex over generated filters and texts. In a native image it took 47 types with it
/// (callgrind of a native <c>timely wordcount</c>: 14.73 to 14.70 M instructions); the regex
/// engine itself stays there, built by HdrHistogram's static constructor (perf.md, start-up).
/// </remarks>
internal static class GlobPattern
{
    /// <summary>Whether <paramref name="pattern"/> matches the whole of <paramref name="text"/>.</summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Greedy with one backtrack point, the last '*': a later '*' makes every earlier choice
        // final, so the walk is O(pattern x text) at worst and linear for a filter of one '*'.
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool Same(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
