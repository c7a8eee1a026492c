"""Curated first names common in Norway, Sweden, Denmark and the UK (package data).

Written for this project from general knowledge of the countries' common given names
(no external list copied). Used only where a context already suggests a person: a
capitalised word after a greeting or sign-off, or a first name followed by a surname.
`AMBIGUOUS` are names that are also everyday words ("Per", "Dag", "Will"): they count only
in a greeting, sign-off or introduction, or with a surname after them.
"""

from __future__ import annotations

_NAMES = """
Aage Aase Abbie Abdi Abdullahi Abigail Ada Adam Adele Adrian Agnes Agnete Agneta Ahmad Ahmed
Aida Aidan Aiden Aina Ake Åke Aksel Alba Albert Albin Aleksander Alex Alexander Alexandra
Alexis Alf Alfhild Alfie Alfred Algot Ali Alice Alicia Alina Alison Allan Alma Alva Alvin
Amal Amalie Amanda Amelia Amelie Amina Amir Amund Amy Ana Anders Andrea Andreas Andrew
Andy Ane Anette Angela Angelica Anita Ann Anna Annabel Annabelle Anne Anne-Grethe Anneli
Annelise Annette Annie Annika Anniken Ansgar Anthony Anton Antonio Archie Ari Arild Arlo
Arne Arnfinn Arnold Arthur Arvid Åsa Åse Asbjørn Asger Åshild Aslak Aslaug Åsmund Asta
Astrid Atle Aud Audun Audrey August Aurora Ava Axel Ayla Ayşe Barbara Barbro Barry Bastian
Beatrice Bella Ben Bengt Benjamin Bent Bente Berit Bernt Bertil Bertram Beth Bethany Betty
Birger Birgit Birgitta Birgitte Birte Birthe Bjarne Bjørg Bjørn Björn Bjørnar Blake Bo
Bodil Bonnie Borghild Børge Brage Brian Britt Britta Brynjar Bård Caitlin Callum Camilla
Carina Carl Carla Carmen Carol Caroline Carolyn Carsten Cathrine Catherine Cecilia Cecilie
Celine Cerys Charles Charlie Charlotte Chloe Chris Christer Christian Christina Christine
Christoffer Christopher Claes Claire Clara Claus Colin Connor Conny Craig Dagfinn Dagny
Dagrun Daisy Dan Daniel Dave Daniela Danielle Darren David Dawn Dean Debbie Deborah Declan
Denise Dennis Derek Diana Diane Dina Dominic Donald Dorothy Dorte Dorthe Douglas Dylan
Ebba Ebbe Edith Edvard Edvin Edward Egil Eileen Eilif Eilert Einar Eirik Eivind Elaine
Elena Eleanor Eli Elias Elin Elina Elisa Elisabet Elisabeth Elise Eliza Elizabeth Ella
Ellen Ellie Elliot Elliott Elna Elsa Else Elsie Elvira Emil Emilia Emilie Emily Emir Emma
Emmanuel Emmy Erik Erika Erin Erling Ernst Esben Espen Esme Esther Ethan Eva Evelina
Evelyn Evie Ewa Ezra Fatima Felicia Felix Filip Finley Finn Fiona Flemming Florence
Folke Frank Frankie Fredrik Frederik Frederick Freddie Freja Freya Frida Fridtjof Frode
Gabriel Gabriella Gareth Gary Gaute Gemma Geoffrey George Georgia Georgina Geir Gerd
Gerhard Gillian Gisle Gitte Glenn Gordon Grace Graham Greta Grete Grethe Gro Gudmund
Gudrun Gun Gunhild Gunilla Gunn Gunnar Gunvor Guro Gustav Gustaf Guttorm Gösta Göran
Hakon Håkon Håkan Halfdan Halldis Hallgeir Hallvard Halvard Halvor Hamza Hanna Hannah
Hanne Hannes Hans Hans-Petter Harald Harley Harper Harriet Harrison Harry Harvey Hassan
Hayley Heather Hedda Hedvig Hege Heidi Helen Helena Helene Helga Helge Helle Henning
Henny Henrietta Henriette Henrik Henry Herman Hilda Hilde Hjalmar Holger Holly Hugo
Ian Ibrahim Ida Idun Iman Imogen Inga Inge Ingebjørg Ingeborg Ingegerd Ingelin Inger
Ingerid Ingrid Ingunn Ingvar Ingvild Iris Isaac Isabel Isabella Isabelle Isak Isla
Ivar Iver Ivy Jack Jackson Jacob Jacqueline Jake Jakob James Jamie Jan Jan-Erik Jane
Janet Janne Jannicke Jarl Jason Jayden Jean Jeanette Jennifer Jenny Jens Jeppe Jesper
Jessica Jill Jim Jimmy Joachim Joakim Joan Joanna Joanne Joe Johan Johanna Johanne
Johannes John Jon Jonas Jonatan Jonathan Jorid Jorunn Josef Josefin Josefine Joseph
Josephine Joshua Jostein Judith Jude Julia Julian Julie Juliet Justin Jørgen Jørn Jørund
Kaia Kaisa Kajsa Kalle Karen Kari Karin Karina Karl Karla Karoline Karolina Kasper
Kate Katarina Kate Katherine Kathleen Kathryn Katie Katrin Katrine Kay Keith Kelly
Kenneth Kent Kerstin Kevin Khalid Kieran Kim Kirsten Kirsti Kirsty Kjell Kjersti Kjetil
Klara Klaus Knud Knut Kolbjørn Konrad Kristian Kristin Kristina Kristine Kristoffer
Kurt Kåre Lara Lars Lars-Erik Lasse Laura Lauren Laurits Layla Leah Leif Leila Lena Lene
Leo Leon Leonard Leonora Lewis Liam Lilian Lillian Lily Linda Linn Linnea Linnéa Lisa
Lise Lisbeth Liselotte Liv Lone Lorentz Louis Louise Lovisa Lucas Lucy Ludvig Luka Lukas
Luke Lydia Lærke Madeleine Madelen Magda Magne Magnar Magnhild Magnus Maisie Maja Majken
Malene Malin Malthe Mads Maren Margaret Margareta Margit Margrethe Mari Maria Mariam
Mariann Marianne Marie Marit Marius Mark Markus Marlene Marte Martha Marthe Martin
Martine Mary Mason Mathias Mathilde Matilda Mats Matteo Matthew Mattias Max Maya Megan
Melissa Melker Merete Mette Mia Michael Michaela Michelle Mie Mikael Mikkel Milla Millie
Milo Minna Miriam Moa Mohamed Mohammad Mohammed Molly Mona Monica Monika Morten Muhammad
Naja Nadia Nanna Naomi Natalie Nathan Nathalie Neil Nellie Nicholas Nicola Nicolai
Nicole Niels Nikolai Nikolaj Niklas Nils Nina Njål Noah Noor Nora Norah Odd Oda Oddbjørn
Oddny Oddrun Odin Ola Olaf Olav Ole Oliver Olivia Olle Olof Olve Omar Oscar Oskar Otto Ove
Owen Øistein Øivind Ørjan Ørnulf Øyvind Øystein Paal Palle Pamela Patricia Patrick
Patrik Paul Paula Pauline Pelle Penelope Per-Arne Per-Olav Pernille Peter Petra Petter
Philip Phoebe Pia Pontus Poul Preben Pål Rachel Ragna Ragnar Ragnhild Randi Rania Rasmus
Rebecca Rebekka Reidar Reidun Renate Rhys Richard Rigmor Rikke Rita Robert Robin Roger
Rolf Ronja Ronnie Rory Rosa Rosie Roy Ruby Rune Rut Ruth Ryan Saga Sally Sam Samantha
Samir Samuel Sander Sandra Sanna Sanne Sara Sarah Scarlett Scott Sean Sebastian Selma
Seren Signe Sigmund Signe Sigrid Sigrun Sigurd Silje Simen Simon Simone Sindre Sine
Sissel Siri Sivert Sixten Sofia Sofie Solfrid Solveig Sondre Sonja Sophia Sophie
Stanley Stefan Steffen Stein-Erik Steinar Steinunn Stella Sten Stephen Steve Steven
Stian Stig Stina Stine Stuart Sture Sune Sunniva Susan Susanne Svante Svein Sveinung
Sven Svend Sverre Synne Synnøve Søren Ståle Tarjei Teodor Terese Terje Tessa Thea Theo
Theodor Theodore Therese Thomas Thor Thorbjørn Thyra Tiril Tilde Tilda Tim Timothy
Tina Tobias Toby Tommy Tone Tonje Tony Torben Tord Tore Torgeir Torgny Torhild Torill
Torkel Torleif Torstein Torsten Torunn Torvald Tove Tracey Tracy Trevor Trine Trond
Troels Trude Truls Trygve Tuva Turid Tyra Ulf Ulla Ulrik Ulrika Ulrikke Unni Urban
Valdemar Valentina Vanessa Vebjørn Vegard Vendela Vera Veronica Veronika Vibeke Victor
Victoria Vidar Vigdis Viggo Viktor Viktoria Vilde Vilhelm Vilja Villads Villemo Vilma
Vincent Viola Wayne Wendy Wenche Wilhelm William Willow Wilma Yasmin Ylva Yngve Yousef
Yusuf Yvonne Zara Zoe Åsne Aleksandra Asle Bjørnar Eira Elida Embla Eskil Even Frøya
Gunnhild Halvdan Hedvig Henrikke Idunn Ingeline Jomar Jørgine Kornelius Lavrans Marion
Mathea Mikal Nelly Olea Ottar Ragnfrid Sivert Snorre Solvor Storm Sunne Sølvi Tiril
Torbjørn Vetle Ådne Aurelia Ebbe Gry Agnethe Benedikte Dorota Ewelina Jolanta Katarzyna
Piotr Tomasz Krzysztof Andrzej Marek Pawel Paweł Agnieszka Magdalena Aleksandr Dmitri
Olga Irina Natalia Tatiana Ahmet Mehmet Mustafa Abdul Sami Samira Layla Sana Zainab
"""

_AMBIGUOUS = """
Per Bo Dag Odd Siv Tor Liv Gro Stein Even Eli Aud Ask Vår Sol Storm Saga May Maj Mark
Will Bill Rob Frank Grace Rose Hope Faith Joy Ivy Lily Daisy Holly Poppy Ruby Amber
Summer Hunter Mason Carter Dean Lee Max Kai Kim Tom Ben Sam Jack Bent Ove Nora Vera Mie
Bella Iris Penny Sky Rain Milo Tim Else Inge Jan Finn Mats Karl Ulf Mona Eva Ella
Lone Rita Pia Tina Anne Sanne Line Stina Svea Edda Tilde Storm Harvey Lasse Kalle
August Georgia Kent Willow Dawn Heather Florence Victoria Charlotte Sofia Klara Stig Dina
Hans Vilja Sten Gry Helle Rune Frost Filip
"""

#: Surnames that are also everyday words ("berg", "strand", "ek"): like AMBIGUOUS first
#: names, a known customer's surname of this kind counts only when written capitalised.
_WORD_SURNAMES = """
Berg Strand Holm Lund Vik Dal Bakke Haug Lie Foss Ek Björk Bjørk Lind Sand Skog
Fjeld Fjell Brekke Hill Wood Green Brown White Black Young King Bird Fox Rice Park Field
Stone Moss Marsh Bush Lamb Hope Page Cook Baker Fisher Hunter Mills Well Wells Ball Bell
"""

AMBIGUOUS: frozenset[str] = frozenset(_AMBIGUOUS.split())
#: Name parts that are also words, for every rule that must not take the word for the name.
WORD_NAMES: frozenset[str] = AMBIGUOUS | frozenset(_WORD_SURNAMES.split())
FIRST_NAMES: frozenset[str] = frozenset(_NAMES.split()) | AMBIGUOUS
