using System;
using System.IO;
using System.Xml;

namespace MlBuild.Tasks
{
    /// <summary>A place in a project file: the file, and a 1-based line and column (0 when unknown).</summary>
    internal readonly struct ProjectLocation
    {
        public ProjectLocation(string? file, int line, int column)
        {
            File = file;
            Line = line;
            Column = column;
        }

        public string? File { get; }
        public int Line { get; }
        public int Column { get; }
    }

    /// <summary>
    /// Finds where a user declared an item, so a configuration error points at the user's project file, not at a line of
    /// the package's MlBuild.targets in the NuGet cache (where MSBuild puts errors logged without a file).
    /// </summary>
    internal static class ItemLocator
    {
        /// <summary>
        /// The element <c>&lt;{itemType} Include="..."&gt;</c> of <paramref name="projectFile"/> whose Include lists
        /// <paramref name="itemSpec"/>; else the first such element with a wildcard or property in its Include (the item
        /// came from it, expanded); else the project file without a line. Never throws: an unreadable file is no line.
        /// </summary>
        public static ProjectLocation Find(string? projectFile, string itemType, string itemSpec)
        {
            if (string.IsNullOrEmpty(projectFile))
                return new ProjectLocation(null, 0, 0);
            ProjectLocation? pattern = null;
            try
            {
                using var reader = XmlReader.Create(projectFile!, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = null });
                var info = (IXmlLineInfo)reader;
                while (reader.Read())
                {
                    if (reader.NodeType != XmlNodeType.Element || reader.LocalName != itemType)
                        continue;
                    var include = reader.GetAttribute("Include");
                    if (include is null)
                        continue;
                    var here = new ProjectLocation(projectFile, info.LineNumber, info.LinePosition);
                    foreach (var part in include.Split(';'))
                    {
                        var spec = part.Trim();
                        if (SameSpec(spec, itemSpec))
                            return here;
                        if (pattern is null && (spec.IndexOf('*') >= 0 || spec.IndexOf('?') >= 0 || spec.IndexOf("$(", StringComparison.Ordinal) >= 0 || spec.IndexOf("@(", StringComparison.Ordinal) >= 0))
                            pattern = here;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is XmlException || ex is ArgumentException || ex is NotSupportedException)
            {
                // The project could not be read again: name it without a line.
            }
            return pattern ?? new ProjectLocation(projectFile, 0, 0);
        }

        static bool SameSpec(string a, string b) =>
            string.Equals(Normalize(a), Normalize(b), Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        static string Normalize(string s)
        {
            s = s.Replace('\\', '/');
            return s.StartsWith("./", StringComparison.Ordinal) ? s.Substring(2) : s;
        }
    }
}
