package io.sluice.quickstart.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class Log4jConfigTest {

    @Test
    void debugLoggersAreWellFormedAndUnsafeNamesAreLeftOut() {
        assertThat(Log4jConfig.debugLoggers(null)).isEmpty();
        assertThat(Log4jConfig.debugLoggers("io.sluice.sink, io.sluice.source,bad\"name"))
                .contains("<Logger name=\"io.sluice.sink\" level=\"DEBUG\"/>")
                .contains("<Logger name=\"io.sluice.source\" level=\"DEBUG\"/>")
                .doesNotContain("bad");
    }

    @Test
    void theWrittenConfigurationParses(@TempDir Path dir) throws Exception {
        Path f = Log4jConfig.write(dir, "connect", "INFO");
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile());
        NodeList root = d.getElementsByTagName("Root");
        assertThat(root.getLength()).isEqualTo(1);
        assertThat(((Element) root.item(0)).getAttribute("level")).isEqualTo("INFO");
    }
}
